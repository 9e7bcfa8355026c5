"""The faults themselves: kill a task's process, kill or restart a service, restart PostgreSQL.

Each returns a one-line description of what it did, kept in the fault record.
"""

from __future__ import annotations

import os
import signal
import time

from comparisons.errors import LabError
from comparisons.faults.scenarios import API_SERVER, WORKER
from comparisons.settings import LabSettings
from comparisons.stack import native, postgres

__all__ = ["kill_task_processes", "kill_worker", "restart_api", "restart_postgres", "task_processes"]


def _descendants(pid: int, min_depth: int) -> list[int]:
    tree: dict[int, list[int]] = {}
    for child, (parent, _) in native.process_table().items():
        tree.setdefault(parent, []).append(child)
    found, level, depth = [], [pid], 0
    while level:
        depth += 1
        level = [child for parent in level for child in tree.get(parent, [])]
        if depth >= min_depth:
            found += level
    return found


def task_processes(settings: LabSettings, side: str) -> list[int]:
    """The processes running tasks right now on one side.

    Airflow's scheduler forks LocalExecutor workers, and each worker's supervisor forks the task's
    own process: the scheduler's grandchildren. Prefect's worker starts one process per flow run,
    in which the tasks run: the worker's children.
    """
    service = WORKER[side]
    pid = native.running_pid(settings, service)
    if pid is None:
        raise LabError(f"{service} is not running: start the lab with `./lab up`.")
    return _descendants(pid, min_depth=2 if side == "airflow" else 1)


def kill_task_processes(settings: LabSettings, side: str) -> str:
    pids = task_processes(settings, side)
    if not pids:
        raise LabError(f"no task process of {side} is running to kill; see .lab/logs/{WORKER[side]}.log")
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return f"SIGKILL to {len(pids)} task process(es) under {WORKER[side]}: {', '.join(map(str, pids))}"


def kill_worker(settings: LabSettings, side: str, down_s: float = 2.0) -> str:
    service = WORKER[side]
    pid = native.kill_service(settings, service)
    time.sleep(down_s)
    seconds = native.start_service(settings, service, progress=lambda line: None)
    return (f"SIGKILL to {service} (pid {pid}) and every process it started; restarted after {down_s:.0f} s, "
            f"healthy {seconds:.1f} s later")


def restart_api(settings: LabSettings, side: str) -> str:
    service = API_SERVER[side]
    stopped = time.monotonic()
    native.stop_service(settings, service)
    seconds = native.start_service(settings, service, progress=lambda line: None)
    return f"{service} stopped (SIGTERM) and started again: down {time.monotonic() - stopped:.1f} s " \
           f"(healthy {seconds:.1f} s after the start)"


def restart_postgres(settings: LabSettings, side: str) -> str:
    seconds = postgres.restart_cluster()
    return f"PostgreSQL restarted (`pg_ctlcluster … restart`, fast mode: open connections are cut) in {seconds:.1f} s"
