"""A folder of files processed in parallel and combined, on Prefect 3 (lesson, practice problem 2).

Twin of airflow_dags/parallel_files.py. `list_files` writes the demo order files if missing and
returns the folder's CSV paths; `process_file.map(files)` runs one task per file concurrently on
the flow's thread-pool task runner; `combine` gets their results once all are done.
"""

from prefect import flow, task

from shared_logic.order_files import combine_summaries, list_order_files, load_country_totals, summarise_order_file


@task(retries=2, retry_delay_seconds=5)
def list_files(folder: str) -> list[str]:
    """The folder's CSV files, sorted (the demo files are written first if missing)."""
    return list_order_files(folder)


@task(retries=2, retry_delay_seconds=5)
def process_file(path: str) -> list[dict]:
    """One file's cleaned orders, totalled per country."""
    return summarise_order_file(path)


@task(retries=2, retry_delay_seconds=5)
def combine(summaries: list[list[dict]]) -> list[dict]:
    """The per-file totals added up per country."""
    return combine_summaries(summaries)


@task(retries=2, retry_delay_seconds=5)
def load(rows: list[dict]) -> int:
    """Replace prefect.parallel_files with the totals per country."""
    return load_country_totals(rows, orchestrator="prefect")


@flow(name="parallel_files", log_prints=True)
def parallel_files(folder: str = "/tmp/lab-parallel-files") -> int:
    """list_files -> process_file x N -> combine -> load."""
    return load(combine(process_file.map(list_files(folder))))


if __name__ == "__main__":
    parallel_files()
