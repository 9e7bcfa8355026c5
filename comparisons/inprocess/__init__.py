"""In-process runners: one pipeline run inside an orchestrator's own venv, outcome as one JSON line.

These modules run under `.lab/venvs/airflow` and `.lab/venvs/prefect`, not the
lab venv: they may import only the standard library and their orchestrator.
"""
