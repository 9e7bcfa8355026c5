"""The `timeouts` pair's logic: a query that runs far past the time its task is allowed.

Both pipelines give the task a 2 s budget (Airflow `execution_timeout`, Prefect `timeout_seconds`)
and no retries, so the run ends failed within seconds instead of after the query's 30 s.
"""

from __future__ import annotations

import time

from shared_logic.work_clock import measured

__all__ = ["SLOW_QUERY_SECONDS", "run_slow_query"]

SLOW_QUERY_SECONDS = 30.0
_STEP_SECONDS = 0.1


@measured
def run_slow_query(seconds: float = SLOW_QUERY_SECONDS) -> int:
    """Work for `seconds`, then return how many steps were done.

    The work is many short steps, as a batch job's is: a timeout that can only interrupt Python
    between two bytecodes (Prefect's, for a task in a worker thread) stops it within one step,
    and a signal-based one (Airflow's, Prefect's in the main thread) stops it at once.
    """
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    deadline = time.monotonic() + seconds
    steps = 0
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(_STEP_SECONDS, left))
        steps += 1
    return steps
