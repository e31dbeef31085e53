"""Log: symptoms (with triage hints right after saving), wellness, injuries, VISA-H, history."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from dashboard import cache, components
from etl.store import log
from risk import symptom_codes as S
from risk.visa_h import ITEM7_VALUES, ITEM8_MAX, ITEM_TOPICS

HINTS_KEY = "log_last_hints"


def _codes(label: str, options: dict[str, str], key: str,
           help: str | None = None) -> tuple[str, ...]:
    return tuple(st.multiselect(label, list(options), format_func=options.get, key=key,
                                help=help))


def _choice(label: str, options: dict[str, str], key: str) -> str | None:
    return st.selectbox(label, list(options), index=None, format_func=options.get, key=key,
                        placeholder="not answered")


def _score(label: str, key: str) -> float | None:
    return st.number_input(label, min_value=0, max_value=10, value=None, step=1, key=key,
                           placeholder="not asked")


def symptom_form(athlete: str) -> None:
    with st.form("symptom_form", clear_on_submit=False):
        st.markdown("**Pain scores** (0 = no pain, 10 = worst imaginable; leave empty when "
                    "not known yet, e.g. the next-morning score)")
        day = st.date_input("Day", value=cache.today(), max_value=cache.today(), key="sym_day",
                            width=220)
        cols = st.columns(4)
        with cols[0]:
            during = _score("During the run", "sym_during")
        with cols[1]:
            after = _score("One hour after", "sym_after")
        with cols[2]:
            morning = _score("Next morning", "sym_morning")
        with cols[3]:
            rest = _score("Now, at rest", "sym_rest")
        st.markdown("**Where and what** (body map)")
        left, right = st.columns(2)
        with left:
            locations = _codes("Where does it hurt?", S.LOCATIONS, "sym_locations",
                               "The sit bone is the bony point you sit on")
            side = _choice("Side", S.SIDES, "sym_side")
            radiates = _choice("Does it spread?", S.RADIATES, "sym_radiates")
            character = _codes("What does it feel like?", S.CHARACTERS, "sym_character")
            onset = _choice("How did it start?", S.ONSETS, "sym_onset")
        with right:
            aggravators = _codes("What makes it worse?", S.AGGRAVATORS, "sym_aggravators")
            sit = st.number_input("Minutes of sitting before it hurts", min_value=0,
                                  max_value=600, value=None, step=5, key="sym_sit",
                                  placeholder="not asked")
            timing = _codes("When does it show?", S.TIMINGS, "sym_timing")
        with st.expander("Warning signs and context (please answer)"):
            neuro = _codes("Any of these?", S.NEURO_FLAGS, "sym_neuro")
            systemic = _codes("Any of these in general?", S.SYSTEMIC_FLAGS, "sym_systemic")
            bone = _codes("Context", S.BONE_RISK_CONTEXT, "sym_bone")
            acute = _codes("After a sudden onset", S.ACUTE_SIGNS, "sym_acute")
        note = st.text_input("Note", key="sym_note", max_chars=500)
        if not st.form_submit_button("Save symptom entry", type="primary"):
            return
    entry = None
    with components.guard("save the symptom entry"):
        entry = log.SymptomEntry(
            local_date=day, pain_at_rest_nrs=rest, pain_during_run_nrs=during,
            pain_after_1h_nrs=after, pain_next_morning_nrs=morning, pain_locations=locations,
            body_side=side, pain_radiates=radiates, pain_character=character,
            pain_aggravators=aggravators, sit_tolerance_min=sit, pain_onset=onset,
            pain_timing=timing, neuro_flags=neuro, systemic_flags=systemic,
            bone_risk_context=bone, acute_signs=acute, log_note=note)
        log.add(cache.get_store(), athlete, entry)
        cache.clear()
        st.success(f"Saved the symptom entry for {day}.")
    st.session_state.pop(HINTS_KEY, None)
    if entry is None:
        return
    with components.guard("work out the triage hints"):
        st.session_state[HINTS_KEY] = triage_hints(athlete, entry)


def triage_hints(athlete: str, entry: log.SymptomEntry) -> list[dict[str, str]]:
    """The triage hints for a just-saved entry, as plain dicts for the session state."""
    from risk.triage import triage, triage_context

    row = {**dataclasses.asdict(entry), "athlete": athlete}
    context = triage_context(row, cache.symptoms(athlete),
                             load_flags=cache.analysis([athlete]).flags,
                             visa_h=cache.current_log("visa_h", athlete))
    return [{"category": h.category, "prompt": h.prompt, "red": str(h.is_red_flag),
             "reasons": "; ".join(h.reasons)}
            for h in triage(row, context)]


def show_hints() -> None:
    hints = st.session_state.get(HINTS_KEY)
    if hints is None:
        return
    st.markdown("#### What this pattern suggests")
    if not hints:
        st.info("No pattern that needs a clinician stands out in this entry. Keep logging: "
                "pain during the run, one hour after and the next morning.")
    for hint in hints:
        text = f"**{hint['category'].replace('_', ' ').title()}**: {hint['prompt']}"
        reasons = f" (because: {hint['reasons']})" if hint["reasons"] else ""
        if hint["red"] == "True":
            st.error(text + reasons, icon=":material/emergency:")
        else:
            st.warning(text + reasons, icon=":material/info:")
    st.caption("These are hints to help you decide whom to see, never a diagnosis.")


def wellness_form(athlete: str) -> None:
    labels = {1: "1 very, very good / low", 2: "2", 3: "3", 4: "4 normal", 5: "5", 6: "6",
              7: "7 very, very bad / high"}
    with st.form("wellness_form"):
        st.markdown("**This morning** (Hooper: 1 = very, very good/low ... 7 = very, very "
                    "bad/high)")
        day = st.date_input("Day", value=cache.today(), max_value=cache.today(), key="well_day")
        cols = st.columns(4)
        values = {}
        for col, (name, label) in zip(cols, (("sleep_hooper", "Sleep quality (bad = high)"),
                                             ("fatigue_hooper", "Fatigue"),
                                             ("stress_hooper", "Stress"),
                                             ("soreness_hooper", "Muscle soreness")),
                                      strict=True):
            with col:
                values[name] = st.select_slider(label, options=list(labels), value=4,
                                                format_func=labels.get, key=f"well_{name}")
        if not st.form_submit_button("Save wellness", type="primary"):
            return
    with components.guard("save the wellness entry"):
        log.add(cache.get_store(), athlete, log.WellnessEntry(local_date=day, **values))
        cache.clear()
        st.success(f"Saved wellness for {day}: Hooper index {sum(values.values())} (4-28, "
                   "higher = worse).")


def injury_form(athlete: str) -> None:
    with st.form("injury_form"):
        cols = st.columns(3)
        onset = cols[0].date_input("Onset", value=cache.today(), max_value=cache.today(),
                                   key="inj_onset")
        region = cols[1].selectbox("Region", list(S.INJURY_REGIONS),
                                   format_func=S.INJURY_REGIONS.get, key="inj_region")
        side = cols[2].selectbox("Side", list(S.SIDES), index=None, format_func=S.SIDES.get,
                                 key="inj_side", placeholder="not answered")
        diagnosis = st.text_input("Clinician's diagnosis, if known", key="inj_diag",
                                  max_chars=200)
        cols = st.columns(2)
        days_lost = cols[0].number_input("Days of running lost", min_value=0, value=None,
                                         step=1, key="inj_days", placeholder="not known yet")
        resolved = cols[1].date_input("Resolved on", value=None, key="inj_resolved")
        note = st.text_input("Note", key="inj_note", max_chars=500)
        if not st.form_submit_button("Save injury", type="primary"):
            return
    with components.guard("save the injury record"):
        log.add(cache.get_store(), athlete, log.InjuryRecord(
            injury_onset_date=onset, injury_region=region, body_side=side,
            clinician_diagnosis=diagnosis, days_lost=None if days_lost is None else int(days_lost),
            injury_resolved_date=resolved, log_note=note))
        cache.clear()
        st.success(f"Saved the injury of {onset}. A clinician can review the weeks before it on "
                   "the Review page.")


def visa_h_form(athlete: str) -> None:
    with st.form("visa_h_form"):
        st.markdown("**VISA-H** (Cacchio et al. 2014; 100 = no symptoms). The exact item "
                    "wording could not be verified, so each item shows its topic.")
        day = st.date_input("Day", value=cache.today(), max_value=cache.today(), key="visa_day")
        items = [st.slider(ITEM_TOPICS[i], 0, 10, 10, key=f"visa_{i + 1}") for i in range(6)]
        items.append(st.select_slider(ITEM_TOPICS[6], options=list(ITEM7_VALUES), value=10,
                                      key="visa_7"))
        branch = st.radio("8. Pain while training", list(ITEM8_MAX),
                          format_func=lambda b: f"{b}: {S.ITEM8_BRANCHES[b]} (max {ITEM8_MAX[b]})",
                          key="visa_8_branch", horizontal=True)
        items.append(st.number_input("8. Score for the chosen branch", min_value=0, max_value=30,
                                     value=0, step=1, key="visa_8"))
        if not st.form_submit_button("Save VISA-H", type="primary"):
            return
    with components.guard("save the VISA-H score"):
        entry = log.VisaHEntry(local_date=day, visa_h_items=tuple(int(i) for i in items),
                               visa_h_item8_branch=str(branch))
        log.add(cache.get_store(), athlete, entry)
        cache.clear()
        st.success(f"Saved VISA-H {entry.visa_h_points}/100 for {day}.")


def show_history(athlete: str) -> None:
    kind = st.segmented_control("Entries", ["symptoms", "wellness", "injuries", "visa_h", "rpe"],
                                default="symptoms", key="history_kind")
    if kind is None:
        return
    versions = st.toggle("Show every version (edits and withdrawn entries)", key="history_all")
    with components.guard(f"read the {kind} history"):
        frame = cache.history(kind, athlete) if versions else cache.current_log(kind, athlete)
        if frame.empty:
            components.empty_state(f"No {kind.replace('_', '-')} entries yet.",
                                   "Use the forms above; entries can also be imported as CSV on "
                                   "the Data page.")
            return
        shown = frame.drop(columns=[c for c in ("athlete", "entry_uid", "version_id")
                                    if c in frame.columns])
        st.dataframe(_readable(shown), hide_index=True, width="stretch")


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, tuple)).any():
            out[column] = out[column].map(lambda v: ", ".join(v) if isinstance(v, tuple) else v)
    return out.iloc[::-1]


def render() -> None:
    athlete = components.need_athlete()
    if athlete is None:
        return
    st.title(f"Log: {athlete}")
    components.synthetic_note(athlete)
    tabs = st.tabs(["Symptoms", "Wellness", "Injury", "VISA-H"])
    with tabs[0]:
        symptom_form(athlete)
        with components.guard("show the triage hints"):
            show_hints()
    with tabs[1]:
        wellness_form(athlete)
    with tabs[2]:
        injury_form(athlete)
    with tabs[3]:
        visa_h_form(athlete)
    st.subheader("History")
    show_history(athlete)
    components.footer()


render()
