"""One reusable ETL run per source on Airflow 3: a `@task_group` instantiated three times.

Twin of prefect_flows/subflows.py. Each group is extract -> transform -> load of one source;
the groups share no task, so the scheduler runs them in parallel. All three sources land in
one table, each load replacing only its own source's rows.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task, task_group

from shared_logic.sources import SOURCES, extract_source_orders, load_source_orders, transform_source_orders


@task
def extract(source: str, n_rows: int, seed: int) -> list[dict]:
    return extract_source_orders(source, n_rows, seed)


@task
def transform(rows: list[dict], source: str) -> list[dict]:
    return transform_source_orders(rows, source)


@task
def load(rows: list[dict], source: str) -> int:
    return load_source_orders(rows, source, orchestrator="airflow")


@task_group
def etl_source(source: str, n_rows: int, seed: int) -> None:
    """The reusable unit: task ids are prefixed with the group id (`web_shop.extract`, ...)."""
    load(transform(extract(source, n_rows, seed), source), source)


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "subflows"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"n_rows": Param(100, type="integer", minimum=0), "seed": Param(42, type="integer")},
)
def subflows(n_rows: int = 100, seed: int = 42):
    """A task group per source, all inside this one DAG run (one graph, one run to retry or clear).

    When a source's ETL has its own owner, schedule or retry story, make it a DAG of its own
    instead: trigger it from here with TriggerDagRunOperator(trigger_dag_id=..., conf=...), or
    let its upstream DAG's `outlets=[Asset(...)]` schedule it (`schedule=[Asset(...)]`).
    Prefect's equivalent is run_deployment() rather than a subflow call.
    """
    for source in SOURCES:
        etl_source.override(group_id=source)(source, n_rows, seed)


subflows()
