"""One small module per family of load flags; :func:`risk.flags.compute_flags` runs them all.

Every rule is a pure function ``(frames, settings) -> list[Flag]`` over the frames of the risk
data contract (sessions, daily with context metrics). Thresholds come from
:class:`risk.settings.RiskSettings`; evidence keys from :mod:`risk.evidence_load`.
"""
