"""Basic ETL on Airflow 3: extract raw orders, clean them, load them into the warehouse.

Twin of prefect_flows/etl_basic.py: same tasks, same shared_logic calls, same retries,
so what the lab measures between the two files is the orchestrator, not the pipeline.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task

from shared_logic import extract_orders, load_orders, transform_orders


@task
def extract(n_rows: int, seed: int) -> list[dict]:
    """Raw orders, deterministic per seed, so both orchestrators get identical input."""
    return extract_orders(n_rows=n_rows, seed=seed)


@task
def transform(rows: list[dict]) -> list[dict]:
    """Drop invalid rows, de-duplicate and normalise: the data both sides must agree on."""
    return transform_orders(rows)


@task
def load(rows: list[dict]) -> int:
    """Replace airflow.etl_basic in one transaction, so retries and reruns never duplicate."""
    return load_orders(rows, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "etl_basic"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    # Typed Params: Airflow validates a run's conf against them, as Prefect does from the hints.
    params={"n_rows": Param(500, type="integer", minimum=0), "seed": Param(42, type="integer")},
)
def etl_basic(n_rows: int = 500, seed: int = 42):
    """Extract -> transform -> load; trigger with conf {"n_rows": ..., "seed": ...}."""
    load(transform(extract(n_rows, seed)))


etl_basic()
