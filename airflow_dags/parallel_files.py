"""A folder of files processed in parallel and combined, on Airflow 3 (lesson, practice problem 2).

Twin of prefect_flows/parallel_files.py. `list_files` writes the demo order files if missing and
returns the folder's CSV paths; `process_file.expand(path=...)` maps one task instance per file
(run in parallel up to the executor's slots); `combine` reduces the mapped results.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task

from shared_logic.order_files import combine_summaries, list_order_files, load_country_totals, summarise_order_file


@task
def list_files(folder: str) -> list[str]:
    """The folder's CSV files, sorted (the demo files are written first if missing)."""
    return list_order_files(folder)


@task
def process_file(path: str) -> list[dict]:
    """One file's cleaned orders, totalled per country."""
    return summarise_order_file(path)


@task
def combine(summaries: list[list[dict]]) -> list[dict]:
    """The per-file totals added up per country."""
    return combine_summaries(summaries)


@task
def load(rows: list[dict]) -> int:
    """Replace airflow.parallel_files with the totals per country."""
    return load_country_totals(rows, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "parallel_files"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"folder": Param("/tmp/lab-parallel-files", type="string", minLength=1)},
)
def parallel_files(folder: str = "/tmp/lab-parallel-files"):
    """list_files -> process_file x N -> combine -> load."""
    load(combine(process_file.expand(path=list_files(folder))))


parallel_files()
