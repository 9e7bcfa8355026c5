"""The lesson's daily ETL at 06:00 UTC on Prefect 3: a cron schedule on the deployment.

Twin of airflow_dags/scheduled_daily.py. The schedule is not in the flow: it is the deployment's,
declared in prefect_flows/prefect.yaml (`schedules: - cron: "0 6 * * *"`, timezone UTC), and the
server creates the upcoming runs ahead of time. Which day a run loads: `run_date` if given, else a
scheduled run's scheduled start time, else (a manual run has no slot) the lab's reference day;
`resolve_run_date` decides it for both sides. The lesson's `Deployment.build_from_flow(schedule=
CronSchedule(...))` is gone in Prefect 3: `flow.deploy(schedules=[Cron(...)])` or prefect.yaml.
"""

from datetime import datetime

from prefect import flow, task
from prefect.context import FlowRunContext

from shared_logic.daily_orders import extract_day_orders, load_day_orders, resolve_run_date
from shared_logic.orders import transform_orders


@task
def pick_day(run_date: str | None, scheduled_for: datetime | None) -> str:
    """The day to load; the flow passes the scheduled time of a run the schedule created."""
    return resolve_run_date(run_date, scheduled_for)


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
    """Replace prefect.scheduled_daily with the day's orders."""
    return load_day_orders(rows, orchestrator="prefect")


@flow(name="scheduled_daily", log_prints=True)
def scheduled_daily(run_date: str | None = None) -> int:
    """pick_day -> extract -> transform -> load; run with parameters {"run_date": "YYYY-MM-DD"}."""
    run = FlowRunContext.get().flow_run  # auto_scheduled: created by the deployment's schedule
    slot = run.expected_start_time if run.auto_scheduled else None
    return load(transform(extract(pick_day(run_date, slot))))


if __name__ == "__main__":
    scheduled_daily()
