"""A run-time list fanned out to one task per item, on Prefect 3: `Task.map`.

Twin of airflow_dags/dynamic_fanout.py. The lesson looped `.submit()` by hand; `.map(items)`
does it in one call and returns a list of futures, run concurrently by the flow's default
thread-pool task runner. Passing the futures to `load` makes Prefect wait for them and hand over
their results. The same 1000-item cap applies, so both sides accept the same parameters.
"""

from prefect import flow, task

from shared_logic.fanout import list_work_items, load_scores, score_item


@task(retries=2, retry_delay_seconds=5)
def list_items(n_items: int) -> list[str]:
    """The work list, known only at run time."""
    return list_work_items(n_items)


@task(retries=2, retry_delay_seconds=5)
def process_item(item: str) -> dict:
    """One item's work; one task run each."""
    return score_item(item)


@task(retries=2, retry_delay_seconds=5)
def load(rows: list[dict]) -> int:
    """Replace prefect.dynamic_fanout with one row per item."""
    return load_scores(rows, orchestrator="prefect")


@flow(name="dynamic_fanout", log_prints=True)
def dynamic_fanout(n_items: int = 10) -> int:
    """list_items -> process_item x N -> load."""
    return load(process_item.map(list_items(n_items)))


if __name__ == "__main__":
    dynamic_fanout()
