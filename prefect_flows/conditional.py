"""Conditional processing on Prefect 3: the data size picks the branch (lesson, practice problem 3).

Twin of airflow_dags/conditional.py. A plain Python `if` in the flow: the branch not taken is
never called, so it leaves no task run at all (Airflow shows it as skipped).
"""

from prefect import flow, task

from shared_logic.data_size import load_branch_summary, process_in_chunks, process_in_memory, size_class
from shared_logic.orders import extract_orders


@task(retries=2, retry_delay_seconds=5)
def extract(n_rows: int, seed: int) -> list[dict]:
    """Raw orders, deterministic per seed: their count decides the branch."""
    return extract_orders(n_rows=n_rows, seed=seed)


@task(retries=2, retry_delay_seconds=5)
def choose_branch(rows: list[dict]) -> str:
    """'small' or 'large': the same rule Airflow's branch task follows."""
    return size_class(len(rows))


@task(retries=2, retry_delay_seconds=5)
def process_small(rows: list[dict]) -> dict:
    return process_in_memory(rows)


@task(retries=2, retry_delay_seconds=5)
def process_large(rows: list[dict]) -> dict:
    return process_in_chunks(rows)


@task(retries=2, retry_delay_seconds=5)
def load(summary: dict) -> int:
    return load_branch_summary(summary, orchestrator="prefect")


@flow(name="conditional", log_prints=True)
def conditional(n_rows: int = 200, seed: int = 42) -> int:
    """extract -> choose_branch -> process_small | process_large -> load."""
    rows = extract(n_rows, seed)
    if choose_branch(rows) == "large":
        summary = process_large(rows)
    else:
        summary = process_small(rows)
    return load(summary)


if __name__ == "__main__":
    conditional()
