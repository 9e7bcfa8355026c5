"""Time inside the pipelines' own code, taken from inside the task body, the same way on both sides.

Servers' task timestamps are set at different events (Airflow's `start_date` when the task process
is forked, before it parses its DAG file; Prefect's when the task run enters Running in the flow
process), so "time in tasks" from them holds each side's own start-up cost. `@measured` on the
functions tasks call is what the harness uses instead. When the orchestrator runs one (Airflow exports
AIRFLOW_CTX_DAG_RUN_ID into the task process, Prefect's worker gives the flow-run process
PREFECT__FLOW_RUN_ID) and LAB_WORK_LOG names a folder, the outermost call appends one JSON line to
`<folder>/<side>-<run id>.jsonl`: function, wall-clock start, seconds. Elsewhere it does nothing.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

__all__ = ["RUN_ID_VARIABLES", "log_path", "measured"]

#: side -> the variable its runtime sets to the run's id in the process that runs the task.
RUN_ID_VARIABLES = {"airflow": "AIRFLOW_CTX_DAG_RUN_ID", "prefect": "PREFECT__FLOW_RUN_ID"}
P = ParamSpec("P")
R = TypeVar("R")
_inside = threading.local()


def log_path(folder: Path, side: str, run_id: str) -> Path:
    """The one file a run's measured calls go to (run ids hold characters a file name should not)."""
    return folder / f"{side}-{re.sub(r'[^A-Za-z0-9._-]', '_', run_id)}.jsonl"


def _current_run() -> tuple[str, str] | None:
    for side, variable in RUN_ID_VARIABLES.items():
        if run_id := os.environ.get(variable):
            return side, run_id
    return None


def measured(function: Callable[P, R]) -> Callable[P, R]:
    """Log the call's duration for the run it belongs to; nested measured calls count once."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        folder, run = os.environ.get("LAB_WORK_LOG"), _current_run()
        if not folder or run is None or getattr(_inside, "active", False):
            return function(*args, **kwargs)
        _inside.active, started, clock = True, time.time(), time.perf_counter()
        failed = True
        try:
            result = function(*args, **kwargs)
            failed = False
            return result
        finally:
            seconds = time.perf_counter() - clock
            _inside.active = False
            line = json.dumps({"function": function.__name__, "start": started, "seconds": seconds,
                               "failed": failed, "pid": os.getpid()})
            path = log_path(Path(folder), *run)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a") as out:  # one short append: concurrent task processes do not interleave
                    out.write(line + "\n")
            except OSError as exc:  # the measurement must never fail the pipeline; the report shows it missing
                print(f"lab work clock: cannot write {path} ({exc}); this run's in-task time will be missing")

    return wrapper
