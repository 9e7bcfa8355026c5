"""The faults themselves: kill a task's process, kill or restart a service, restart PostgreSQL.

Each returns an `Injected`: a one-line description of what it did, kept in the fault record, and
what it left under way in the background (a broker to start again), settled before the stack is checked.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass

from comparisons.errors import LabError
from comparisons.faults.scenarios import API_SERVER, WORKER
from comparisons.settings import LabSettings
from comparisons.stack import native, postgres

__all__ = ["Injected", "kill_one_worker", "kill_task_processes", "kill_worker", "restart_api", "restart_postgres",
           "stop_redis", "task_processes", "worker_running"]


@dataclass(frozen=True)
class Injected:
    """What an injection did, and the background work it left (joined by `settle`)."""

    description: str
    pending: threading.Thread | None = None

    def settle(self, timeout: float = 60.0) -> None:
        """Wait for what the injection left running, so the stack is checked as the fault left it at its end."""
        if self.pending is not None:
            self.pending.join(timeout)


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


def kill_task_processes(settings: LabSettings, side: str) -> Injected:
    pids = task_processes(settings, side)
    if not pids:
        raise LabError(f"no task process of {side} is running to kill; see .lab/logs/{WORKER[side]}.log")
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return Injected(f"SIGKILL to {len(pids)} task process(es) under {WORKER[side]}: {', '.join(map(str, pids))}")


def kill_worker(settings: LabSettings, side: str, down_s: float = 2.0) -> Injected:
    service = WORKER[side]
    pid = native.kill_service(settings, service)
    time.sleep(down_s)
    seconds = native.start_service(settings, service, progress=lambda line: None)
    return Injected(f"SIGKILL to {service} (pid {pid}) and every process it started; restarted after "
                    f"{down_s:.0f} s, healthy {seconds:.1f} s later")


def restart_api(settings: LabSettings, side: str) -> Injected:
    service = API_SERVER[side]
    stopped = time.monotonic()
    native.stop_service(settings, service)
    seconds = native.start_service(settings, service, progress=lambda line: None)
    return Injected(f"{service} stopped (SIGTERM) and started again: down {time.monotonic() - stopped:.1f} s "
                    f"(healthy {seconds:.1f} s after the start)")


def restart_postgres(settings: LabSettings, side: str) -> Injected:
    seconds = postgres.restart_cluster()
    return Injected(f"PostgreSQL restarted (`pg_ctlcluster … restart`, fast mode: open connections are cut) in "
                    f"{seconds:.1f} s")


#: The workers of a scaled-out stack: Celery workers (each task in a process under a pool process),
#: and Prefect process workers (each flow run a process of its own).
SCALED_WORKER = {"airflow": "airflow-worker", "prefect": "prefect-worker"}
REDIS_DOWN_S = 10.0


def worker_running(settings: LabSettings, side: str, pids: list[int]) -> str | None:
    """The scaled-out worker whose process tree holds one of `pids` (what the server says runs the work)."""
    kind = SCALED_WORKER[side]
    roots = {pid: s.name for s in native.running_services(settings)
             if s.kind == kind and (pid := native.running_pid(settings, s.name)) is not None}
    # A flow run may leave its worker's session and tree (setsid); the service marker it inherited stays.
    owner = {pid: name for pid, name in native.lab_processes(settings).items() if name in roots.values()}
    owner.update(native.tree_members(roots))
    return next((owner[pid] for pid in pids if pid in owner), None)


def kill_one_worker(settings: LabSettings, side: str, pids: list[int]) -> Injected:
    """SIGKILL the worker running `pids`, and all it started, as its host would die; it stays down."""
    name = worker_running(settings, side, pids)
    if name is None:
        raise LabError(f"no {SCALED_WORKER[side]} runs the processes {pids} the server named: is the stack "
                       f"scaled out (`./lab up --scale-out 2`)? See .lab/logs/{SCALED_WORKER[side]}*.log")
    pid = native.kill_service(settings, name)
    alive = [s.name for s in native.running_services(settings)
             if s.kind == SCALED_WORKER[side] and native.running_pid(settings, s.name) is not None]
    return Injected(f"SIGKILL to {name} (pid {pid}; the server's run is in its process {', '.join(map(str, pids))}) "
                    f"and everything it started; left down, {len(alive)} other worker(s) running: "
                    f"{', '.join(alive) or 'none'}")


def stop_redis(settings: LabSettings, side: str, down_s: float = REDIS_DOWN_S) -> Injected:
    """Stop the broker now and start it again, empty (the lab's Redis saves nothing), `down_s` later,
    while the run is watched."""
    native.stop_service(settings, "redis")
    restart = threading.Timer(down_s, native.start_service, args=(settings, "redis"),
                              kwargs={"progress": lambda line: None})
    restart.start()
    return Injected(f"redis stopped (SIGTERM), started again {down_s:.0f} s later, empty", pending=restart)
