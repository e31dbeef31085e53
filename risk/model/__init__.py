"""Injury-risk models (scikit-learn): the Lövdal et al. 2021 benchmark and the squad model.

Rules come first (DESIGN.md section 8): a model score is shown only when its evaluation clears
the bar of :mod:`risk.model.squad`. Everything here is pure computation over frames and arrays;
file IO (CSV files, model files, the signing key) lives in :mod:`etl.model_store`.
"""
