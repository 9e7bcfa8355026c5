"""Conditional processing on Airflow 3: the data size picks the branch (lesson, practice problem 3).

Twin of prefect_flows/conditional.py. `@task.branch` returns the task id to follow; the other
branch is marked skipped, so `load` needs trigger_rule none_failed_min_one_success to still run.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task

from shared_logic.data_size import load_branch_summary, process_in_chunks, process_in_memory, size_class
from shared_logic.orders import extract_orders


@task
def extract(n_rows: int, seed: int) -> list[dict]:
    """Raw orders, deterministic per seed: their count decides the branch."""
    return extract_orders(n_rows=n_rows, seed=seed)


@task.branch
def choose_branch(rows: list[dict]) -> str:
    """The id of the task to run next: process_small or process_large."""
    return f"process_{size_class(len(rows))}"


@task
def process_small(rows: list[dict]) -> dict:
    return process_in_memory(rows)


@task
def process_large(rows: list[dict]) -> dict:
    return process_in_chunks(rows)


@task(trigger_rule="none_failed_min_one_success")  # default all_success would skip it too
def load(small: dict | None, large: dict | None) -> int:
    """The skipped branch left no XCom (None): load the summary of the one that ran."""
    return load_branch_summary(small or large, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "conditional"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"n_rows": Param(200, type="integer", minimum=0), "seed": Param(42, type="integer")},
)
def conditional(n_rows: int = 200, seed: int = 42):
    """extract -> choose_branch -> process_small | process_large -> load."""
    rows = extract(n_rows, seed)
    branch = choose_branch(rows)
    small, large = process_small(rows), process_large(rows)
    branch >> [small, large]
    load(small, large)


conditional()
