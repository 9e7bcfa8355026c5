"""A shared resource used by at most two tasks at a time, on Prefect 3: a global concurrency limit.

Twin of airflow_dags/concurrency_limits.py. Six mapped tasks each hold the resource for a
second; inside each, `concurrency(SHARED_RESOURCE)` waits for one of the limit's two slots
(`strict=True`: a missing limit is an error, not a silent free-for-all). The limit is created by
the lab's deploy job from config/pools.json. Unlike an Airflow pool, the slot is taken inside the
running task, so waiting tasks show as Running. `load` records whether at most two ever overlapped.
"""

from prefect import flow, task
from prefect.concurrency.sync import concurrency

from shared_logic.shared_resource import SHARED_RESOURCE, hold_resource, load_usage, work_items


@task
def list_items(n_items: int) -> list[int]:
    """The items to process, one mapped task each."""
    return work_items(n_items)


@task
def use_resource(item: int, hold_seconds: float) -> dict:
    """Hold the shared resource for `hold_seconds`, once one of the limit's slots is ours."""
    with concurrency(SHARED_RESOURCE, occupy=1, strict=True):
        return hold_resource(item, hold_seconds)


@task
def load(usages: list[dict]) -> int:
    """Replace prefect.concurrency_limits; returns the peak number of overlapping holders."""
    return load_usage(usages, orchestrator="prefect")


@flow(name="concurrency_limits", log_prints=True)
def concurrency_limits(n_items: int = 6, hold_seconds: float = 1.0) -> int:
    """list_items -> use_resource x N (two at a time) -> load."""
    return load(use_resource.map(list_items(n_items), hold_seconds=hold_seconds))


if __name__ == "__main__":
    concurrency_limits()
