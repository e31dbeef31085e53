"""The dashboard's injury-model section lays out a ModelStatus (shown or declined)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _declined() -> None:
    import datetime as dt

    from dashboard.model_panel import render_status
    from risk.model.squad import ModelStatus

    render_status(ModelStatus(
        False, "Model score not shown because only 2 injury onset(s) logged on at-risk days; "
        "the bar is 30. The flags are the primary signal; the model is an experimental extra.",
        "a0", dt.date(2026, 5, 1),
        card={"n_rows": 800, "n_athletes": 6, "n_injuries": 2, "n_injured_athletes": 2,
              "date_first": "2026-01-01", "date_last": "2026-05-01", "label_definition": "x",
              "evaluation": {"grouped": None, "forward": None}}))


def _shown() -> None:
    import datetime as dt

    from dashboard.model_panel import render_status
    from risk.model.squad import Contribution, ModelStatus

    figures = {"roc_auc": 0.71, "roc_auc_low": 0.65, "roc_auc_high": 0.77, "pr_auc": 0.05,
               "pr_auc_low": 0.03, "pr_auc_high": 0.07, "prevalence": 0.015, "brier": 0.0142,
               "calibration_slope": 0.95}
    render_status(ModelStatus(
        True, "", "a0", dt.date(2026, 5, 1), 0.0312, 0.021, 0.044,
        (Contribution("acwr_uncoupled", 1.9, 1.0, 0.012),),
        card={"evaluation": {"grouped": figures, "forward": figures}}))


def test_declined_status_says_why_and_that_flags_come_first() -> None:
    at = AppTest.from_function(_declined).run()
    assert not at.exception
    assert "the bar is 30" in at.info[0].value
    assert "flags are the primary signal" in at.info[0].value
    assert at.subheader[0].value == "Injury model (experimental)"


def test_shown_status_has_probability_range_drivers_and_card() -> None:
    at = AppTest.from_function(_shown).run()
    assert not at.exception
    assert at.metric[0].value == "3.1 %"
    captions = " ".join(c.value for c in at.caption)
    assert "2.1-4.4 %" in captions and "flags are the primary signal" in captions
    text = " ".join(m.value for m in at.markdown)
    assert "acwr uncoupled" in text and "raises it by 1.2 points" in text
    assert "ROC-AUC 0.71 (0.65-0.77)" in text and "never externally validated" in text
