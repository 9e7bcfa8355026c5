"""Basic ETL on Prefect 3: extract raw orders, clean them, load them into the warehouse.

Twin of airflow_dags/etl_basic.py: same tasks, same shared_logic calls, same retries,
so what the lab measures between the two files is the orchestrator, not the pipeline.
"""

from prefect import flow, task

from shared_logic import extract_orders, load_orders, transform_orders


@task(retries=2, retry_delay_seconds=5)
def extract(n_rows: int, seed: int) -> list[dict]:
    """Raw orders, deterministic per seed, so both orchestrators get identical input."""
    return extract_orders(n_rows=n_rows, seed=seed)


@task(retries=2, retry_delay_seconds=5)
def transform(rows: list[dict]) -> list[dict]:
    """Drop invalid rows, de-duplicate and normalise: the data both sides must agree on."""
    return transform_orders(rows)


@task(retries=2, retry_delay_seconds=5)
def load(rows: list[dict]) -> int:
    """Replace prefect.etl_basic in one transaction, so retries and reruns never duplicate."""
    return load_orders(rows, orchestrator="prefect")


# Prefect validates the parameters against the type hints (validate_parameters=True).
@flow(name="etl_basic", log_prints=True)
def etl_basic(n_rows: int = 500, seed: int = 42) -> int:
    """Extract -> transform -> load; run with parameters {"n_rows": ..., "seed": ...}."""
    return load(transform(extract(n_rows, seed)))


if __name__ == "__main__":
    etl_basic()
