"""A task that overruns its time budget on Airflow 3: `execution_timeout` stops it, the run fails.

Twin of prefect_flows/timeouts.py. The query needs 30 s, the task is given 2: Airflow raises
AirflowTaskTimeout inside the task (a SIGALRM), marks it failed and, with no retries, fails the
run. This pair exists to end failed; the harness checks both sides do.
"""

from datetime import timedelta

from airflow.sdk import dag, task

from shared_logic.slow_query import run_slow_query


@task(retries=0, execution_timeout=timedelta(seconds=2))
def slow_query() -> int:
    """Runs 30 s against a 2 s budget: stopped after 2 s."""
    return run_slow_query()


@dag(schedule=None, catchup=False, tags=["lab", "timeouts"])
def timeouts():
    """slow_query, which times out."""
    slow_query()


timeouts()
