"""Run inside Prefect's environment (`.lab/venvs/prefect` or the prefect image): never imports Airflow."""
