"""A task that overruns its time budget on Prefect 3: `timeout_seconds` stops it, the run fails.

Twin of airflow_dags/timeouts.py. The query needs 30 s, the task is given 2: Prefect raises
TaskRunTimeoutError inside the task (a SIGALRM, as the task runs in the flow's main thread), marks
it failed and, with no retries, fails the flow run. This pair exists to end failed; the harness
checks both sides do.
"""

from prefect import flow, task

from shared_logic.slow_query import run_slow_query


@task(retries=0, timeout_seconds=2)
def slow_query() -> int:
    """Runs 30 s against a 2 s budget: stopped after 2 s."""
    return run_slow_query()


@flow(name="timeouts", log_prints=True)
def timeouts() -> int:
    """slow_query, which times out."""
    return slow_query()


if __name__ == "__main__":
    timeouts()
