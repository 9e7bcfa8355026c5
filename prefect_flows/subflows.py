"""One reusable ETL run per source on Prefect 3: a subflow called once per source by a parent flow.

Twin of airflow_dags/subflows.py. Each call of `etl_source` is a flow run of its own, nested
under the parent in the UI, with its own state and logs. Called plainly they run one after
the other. All three sources land in one table, each load replacing only its source's rows.
"""

from prefect import flow, task

from shared_logic.sources import SOURCES, extract_source_orders, load_source_orders, transform_source_orders


@task(retries=2, retry_delay_seconds=5)
def extract(source: str, n_rows: int, seed: int) -> list[dict]:
    return extract_source_orders(source, n_rows, seed)


@task(retries=2, retry_delay_seconds=5)
def transform(rows: list[dict], source: str) -> list[dict]:
    return transform_source_orders(rows, source)


@task(retries=2, retry_delay_seconds=5)
def load(rows: list[dict], source: str) -> int:
    return load_source_orders(rows, source, orchestrator="prefect")


@flow(name="etl_source", flow_run_name="etl_source-{source}")
def etl_source(source: str, n_rows: int, seed: int) -> int:
    """The reusable unit: a flow, so it can also be deployed and run on its own."""
    return load(transform(extract(source, n_rows, seed), source), source)


@flow(name="subflows", log_prints=True)
def subflows(n_rows: int = 100, seed: int = 42) -> int:
    """A subflow per source; the total number of rows loaded."""
    return sum(etl_source(source, n_rows, seed) for source in SOURCES)


if __name__ == "__main__":
    subflows()
