"""A slow, all-or-nothing warehouse load on Airflow 3: what the fault scenarios break.

Twin of prefect_flows/slow_load.py. The load runs `seconds` inside one transaction and may be
retried twice. Each task runs in its own process under a supervisor: if that process dies
(killed, out of memory), the supervisor reports the try failed and the scheduler retries it,
so `./lab fault kill-task` ends in success here.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task

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


@task(retries=2, retry_delay=timedelta(seconds=3))
def load(rows: list[dict], seconds: float) -> int:
    """Replace airflow.slow_load over `seconds`, in one transaction."""
    return load_slowly(rows, orchestrator="airflow", seconds=seconds)


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "slow_load"],
    params={"n_rows": Param(500, type="integer", minimum=0), "seed": Param(42, type="integer"),
            "seconds": Param(2.0, type="number", minimum=0, maximum=600)},
)
def slow_load(n_rows: int = 500, seed: int = 42, seconds: float = 2.0):
    """extract -> transform -> load (slow, atomic, retried); conf {"seconds": 20} for a long load."""
    load(transform(extract(n_rows, seed)), seconds)


slow_load()
