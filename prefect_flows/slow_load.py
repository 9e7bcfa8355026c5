"""A slow, all-or-nothing warehouse load on Prefect 3: what the fault scenarios break.

Twin of airflow_dags/slow_load.py. The load runs `seconds` inside one transaction and may be
retried twice. A task's exception is retried in the same flow-run process; if that process
itself dies (killed, out of memory), the worker marks the flow run CRASHED and no task retry
can run: `./lab fault kill-task` shows the difference from Airflow.
"""

from prefect import flow, task

from shared_logic import extract_orders, transform_orders
from shared_logic.slow_load import load_slowly


@task
def extract(n_rows: int, seed: int) -> list[dict]:
    """The orders of etl_basic: same seed, same rows."""
    return extract_orders(n_rows=n_rows, seed=seed)


@task
def transform(rows: list[dict]) -> list[dict]:
    """Clean and de-duplicate, as etl_basic does."""
    return transform_orders(rows)


@task(retries=2, retry_delay_seconds=3)
def load(rows: list[dict], seconds: float) -> int:
    """Replace prefect.slow_load over `seconds`, in one transaction."""
    return load_slowly(rows, orchestrator="prefect", seconds=seconds)


@flow(name="slow_load", log_prints=True)
def slow_load(n_rows: int = 500, seed: int = 42, seconds: float = 2.0) -> int:
    """extract -> transform -> load (slow, atomic, retried)."""
    return load(transform(extract(n_rows, seed)), seconds)


if __name__ == "__main__":
    slow_load()
