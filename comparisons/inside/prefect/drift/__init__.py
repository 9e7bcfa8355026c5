"""The seed lesson's Prefect constructs, tried for real: `python -m comparisons.inside.prefect.drift`."""
