"""Retries with exponential backoff on Airflow 3: a flaky extract that fails 70 % of its attempts.

Twin of prefect_flows/retries_backoff.py. Airflow doubles `retry_delay` per try
(`retry_exponential_backoff=2.0`; 3.x takes a multiplier, `True` still means 2) and adds its own
jitter: a hash of the try picks a delay between 1x and 2x, capped by `max_retry_delay`. The
attempt number the shared logic needs comes from the task instance: `ti.try_number`, 1 at first.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, get_current_context, task

from shared_logic.flaky_source import fetch_flaky, load_flaky


@task(
    retries=5,
    retry_delay=timedelta(seconds=1),
    retry_exponential_backoff=2.0,
    max_retry_delay=timedelta(seconds=16),
)
def extract(seed: int, failure_rate: float) -> list[dict]:
    """Ask the unreliable source; a failed attempt raises, and Airflow schedules the next try."""
    attempt = get_current_context()["ti"].try_number
    return fetch_flaky(seed=seed, failure_rate=failure_rate, attempt=attempt)


@task
def load(rows: list[dict]) -> int:
    """Replace airflow.retries_backoff; each row records the attempt that got the data."""
    return load_flaky(rows, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "retries_backoff"],
    params={
        "seed": Param(3, type="integer"),
        "failure_rate": Param(0.7, type="number", minimum=0, exclusiveMaximum=1),
    },
)
def retries_backoff(seed: int = 3, failure_rate: float = 0.7):
    """extract (retried with backoff until the source answers) -> load."""
    load(extract(seed, failure_rate))


retries_backoff()
