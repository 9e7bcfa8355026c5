"""Run inside Airflow's environment (`.lab/venvs/airflow`): never imports Prefect."""
