"""The ``loadwatch`` command: a thin shell over etl, risk and dashboard."""
