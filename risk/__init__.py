"""Pure computation: daily load, ACWR, flags, symptom rules, model. No IO, no streamlit."""
