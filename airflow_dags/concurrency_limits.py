"""A shared resource used by at most two tasks at a time, on Airflow 3: a pool of two slots.

Twin of prefect_flows/concurrency_limits.py. Six mapped tasks each hold the resource for a
second; `pool=SHARED_RESOURCE` makes the scheduler start a task only while one of the pool's two
slots is free, whatever the executor could run. The pool is declared in config/pools.json and
imported by `airflow-init` (`airflow pools import`). Each task notes when it held the resource;
`load` records whether at most two ever overlapped (the output), and returns the peak it saw.
"""

from airflow.sdk import Param, dag, task

from shared_logic.shared_resource import SHARED_RESOURCE, hold_resource, load_usage, work_items


@task
def list_items(n_items: int) -> list[int]:
    """The items to process, one mapped task each."""
    return work_items(n_items)


@task(pool=SHARED_RESOURCE)
def use_resource(item: int, hold_seconds: float) -> dict:
    """Hold the shared resource for `hold_seconds`; runs only while it holds a pool slot."""
    return hold_resource(item, hold_seconds)


@task
def load(usages: list[dict]) -> int:
    """Replace airflow.concurrency_limits; returns the peak number of overlapping holders."""
    return load_usage(list(usages), orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "concurrency_limits"],
    params={"n_items": Param(6, type="integer", minimum=1), "hold_seconds": Param(1.0, type="number", minimum=0)},
)
def concurrency_limits(n_items: int = 6, hold_seconds: float = 1.0):
    """list_items -> use_resource x N (two at a time) -> load."""
    load(use_resource.partial(hold_seconds=hold_seconds).expand(item=list_items(n_items)))


concurrency_limits()
