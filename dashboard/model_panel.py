"""The injury-model section of the Today and Review pages (issue 7).

Shows the squad model's calibrated probability with its range and the features that moved it
most, the model card, and a plain statement that the flags are the primary signal; or, when
the model has not earned its place (:func:`risk.model.squad.model_status`), why only the flags
are shown. All numbers come from :mod:`risk.model.squad`; this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from dashboard import cache
from etl.model_store import ModelFileRejected, load_model, squad_model_path
from risk.model.squad import PRIMARY, ModelStatus, SquadModel, model_status

MODEL_CARD_DOC = "docs/model-card.md"


def squad_model(store_url: str) -> tuple[SquadModel | None, str | None]:
    """The store's squad model (None when not trained) and why a file was refused, if it was."""
    path = squad_model_path(store_url)
    if not path.is_file():
        return None, None
    try:
        loaded = load_model(path, expect_kind="squad")
    except ModelFileRejected as exc:
        return None, str(exc)
    return SquadModel.from_saved(loaded.estimator, loaded.metadata), None


def _card(card: dict[str, Any]) -> None:
    if not card:
        return
    with st.expander("Model card: data, evaluation, limits"):
        st.markdown(
            f"**Data:** {card.get('n_rows', 0)} athlete-days at risk of "
            f"{card.get('n_athletes', 0)} athletes ({card.get('date_first')} to "
            f"{card.get('date_last')}), {card.get('n_injuries', 0)} injury onsets in "
            f"{card.get('n_injured_athletes', 0)} athletes.  \n"
            f"**Label:** {card.get('label_definition', '')}.")
        for name, figures in (card.get("evaluation") or {}).items():
            if not figures:
                st.markdown(f"**{name} evaluation:** not possible with these data.")
                continue
            st.markdown(
                f"**{name} evaluation:** ROC-AUC {figures['roc_auc']:.2f} "
                f"({figures['roc_auc_low']:.2f}-{figures['roc_auc_high']:.2f}), PR-AUC "
                f"{figures['pr_auc']:.3f} ({figures['pr_auc_low']:.3f}-"
                f"{figures['pr_auc_high']:.3f}) against a prevalence of "
                f"{figures['prevalence']:.3f}, Brier {figures['brier']:.4f}, calibration "
                f"slope {figures['calibration_slope']:.2f}.")
        st.markdown("**Limits:** trained on this squad only, never externally validated; "
                    "injury models in sport rarely predict well (Bullock et al. 2022). "
                    f"Full card: `{MODEL_CARD_DOC}`.")


def render_status(status: ModelStatus) -> None:
    """Lay out one :class:`~risk.model.squad.ModelStatus`."""
    st.subheader("Injury model (experimental)")
    if not status.shown:
        st.info(status.reason)
        _card(status.card)
        return
    st.metric("Chance that an injury starts in the next 7 days",
              f"{100 * status.probability:.1f} %",
              help="Calibrated on held-out athletes; uses your data up to the end of "
              "yesterday.")
    st.caption(f"Range across the model's bags: {100 * status.low:.1f}-"
               f"{100 * status.high:.1f} %. {PRIMARY}")
    if status.contributions:
        lines = [f"- **{c.feature.replace('_', ' ')}**: {c.value:.2f} (squad median "
                 f"{c.median:.2f}) {'raises' if c.effect > 0 else 'lowers'} it by "
                 f"{100 * abs(c.effect):.1f} points" for c in status.contributions]
        st.markdown("What moved today's figure most:\n" + "\n".join(lines))
    _card(status.card)


def show_model_panel(athlete: str, on: dt.date) -> None:
    """The whole section for ``athlete`` on day ``on`` (call inside a page's guard)."""
    store = cache.get_store()
    model, problem = squad_model(store.url)
    if problem:
        st.warning(problem)
    result = cache.analysis([athlete])
    status = model_status(model, result.daily, result.flags, athlete, on,
                          cache.injuries(athlete))
    render_status(status)
