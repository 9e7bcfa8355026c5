"""The lesson's drift: each Prefect 2-era construct of the seed lesson, tried for real on the pinned releases.

The probes run inside the orchestrators' own venvs (`comparisons.inside.prefect.drift` and
`comparisons.inside.airflow.drift_probes`) and print one JSON line per construct; `table` (lab venv) runs
them, stores the records under `results/drift/` and renders the table that `./lab drift`, the report and
the README show.
"""
