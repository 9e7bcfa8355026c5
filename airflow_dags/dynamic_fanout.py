"""A run-time list fanned out to one task per item, on Airflow 3: dynamic task mapping.

Twin of prefect_flows/dynamic_fanout.py. `process_item.expand(item=...)` makes one mapped task
instance per list element when the run reaches it (the lesson's "task count fixed at parse time"
no longer holds since Airflow 2.3). Each instance is its own process and XCom entry; `load` gets
them back as one lazy sequence. At most `[core] max_map_length` (1024) items: n_items <= 1000.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task

from shared_logic.fanout import MAX_ITEMS, list_work_items, load_scores, score_item


@task
def list_items(n_items: int) -> list[str]:
    """The work list, known only at run time."""
    return list_work_items(n_items)


@task
def process_item(item: str) -> dict:
    """One item's work; one mapped task instance each."""
    return score_item(item)


@task
def load(rows: list[dict]) -> int:
    """Replace airflow.dynamic_fanout with one row per item."""
    return load_scores(rows, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "dynamic_fanout"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"n_items": Param(10, type="integer", minimum=1, maximum=MAX_ITEMS)},
)
def dynamic_fanout(n_items: int = 10):
    """list_items -> process_item x N -> load."""
    load(process_item.expand(item=list_items(n_items)))


dynamic_fanout()
