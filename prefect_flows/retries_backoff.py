"""Retries with exponential backoff on Prefect 3: a flaky extract that fails 70 % of its attempts.

Twin of airflow_dags/retries_backoff.py. `exponential_backoff(backoff_factor=1)` expands to the
delay list [1, 2, 4, 8, 16] s, and `retry_jitter_factor=0.5` spreads each delay randomly around
its value, at most 50 % longer. The lesson's `random.random() < 0.7` becomes a seeded failure: the attempt number comes
from the run's context, `task_run.run_count`, 1 on the first try.
"""

from prefect import flow, task
from prefect.runtime import task_run
from prefect.tasks import exponential_backoff

from shared_logic.flaky_source import fetch_flaky, load_flaky


@task(
    retries=5,
    retry_delay_seconds=exponential_backoff(backoff_factor=1),
    retry_jitter_factor=0.5,
)
def extract(seed: int, failure_rate: float) -> list[dict]:
    """Ask the unreliable source; a failed attempt raises, and Prefect schedules the next try."""
    attempt = task_run.run_count
    return fetch_flaky(seed=seed, failure_rate=failure_rate, attempt=attempt)


@task
def load(rows: list[dict]) -> int:
    """Replace prefect.retries_backoff; each row records the attempt that got the data."""
    return load_flaky(rows, orchestrator="prefect")


@flow(name="retries_backoff", log_prints=True)
def retries_backoff(seed: int = 3, failure_rate: float = 0.7) -> int:
    """extract (retried with backoff until the source answers) -> load."""
    return load(extract(seed, failure_rate))


if __name__ == "__main__":
    retries_backoff()
