"""The lesson's daily ETL at 06:00 UTC on Airflow 3: a cron `schedule` on the DAG itself.

Twin of prefect_flows/scheduled_daily.py. Airflow 3 reads a cron string as a trigger timetable:
the run due at 06:00 gets that instant as its logical date. With `catchup=False` only the latest
missed slot runs, once, when the DAG first appears (Prefect does not run missed slots at all).
Which day a run loads: `run_date` if given, else a scheduled run's logical date, else (a manual
run has no slot) the lab's reference day; `resolve_run_date` decides it for both sides.
"""

from datetime import UTC, datetime

from airflow.sdk import Param, dag, task

from shared_logic.daily_orders import extract_day_orders, load_day_orders, resolve_run_date
from shared_logic.orders import transform_orders


@task
def pick_day(run_date: str | None, dag_run=None) -> str:
    """The day to load; Airflow injects the run (`dag_run`) from the task's context."""
    slot = dag_run.logical_date if dag_run is not None and dag_run.run_type == "scheduled" else None
    return resolve_run_date(run_date, slot)


@task
def extract(day: str) -> list[dict]:
    """The raw orders of `day`."""
    return extract_day_orders(day)


@task
def transform(rows: list[dict]) -> list[dict]:
    """Drop invalid rows, de-duplicate and normalise, as etl_basic does."""
    return transform_orders(rows)


@task
def load(rows: list[dict]) -> int:
    """Replace airflow.scheduled_daily with the day's orders."""
    return load_day_orders(rows, orchestrator="airflow")


@dag(
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["lab", "scheduled_daily"],
    params={"run_date": Param(None, type=["null", "string"], format="date")},
)
def scheduled_daily(run_date: str | None = None):
    """pick_day -> extract -> transform -> load; trigger with conf {"run_date": "YYYY-MM-DD"}."""
    load(transform(extract(pick_day(run_date))))


scheduled_daily()
