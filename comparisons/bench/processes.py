"""Memory and process counts of each orchestrator's whole process tree, read from /proc.

Memory is PSS (proportional set size): forked workers share most of their pages with their parent
(Airflow's LocalExecutor forks `parallelism` workers), and summing RSS would count those many times.

Every service runs in its own session (native mode starts each with `start_new_session`), and the
processes it spawns — Airflow's task processes, Prefect's flow-run processes — stay in it, so a
side's tree is every process whose session id is one of that side's service pids.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from comparisons.settings import SIDES, LabSettings
from comparisons.stack.native import running_pid, running_services, tree_members

__all__ = ["MemorySampler", "side_usage"]

def _sessions(settings: LabSettings) -> dict[int, str]:
    sessions = {}
    for svc in running_services(settings):
        pid = running_pid(settings, svc.name)
        if pid is not None and svc.side in SIDES:  # the lab's own services (the alert receiver) are neither's
            sessions[pid] = svc.side
    return sessions


def _pss_kib(pid_dir: Path) -> int:
    try:
        for line in (pid_dir / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def side_usage(settings: LabSettings) -> dict[str, dict[str, float]]:
    """{side: {"pss_mib": …, "processes": …}} right now."""
    return _usage(_sessions(settings))


def _usage(sessions: dict[int, str]) -> dict[str, dict[str, float]]:
    usage = {side: {"pss_mib": 0.0, "processes": 0} for side in SIDES}
    for pid, side in tree_members(sessions).items():
        usage[side]["pss_mib"] += _pss_kib(Path(f"/proc/{pid}")) / 1024
        usage[side]["processes"] += 1
    return usage


def _sample_forever(interval: float, sessions: dict[int, str]) -> None:
    """The sampler process: one JSON line per sample on stdout, its own CPU time last, on SIGTERM."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    started = time.monotonic()
    while not stop.is_set():
        usage = _usage(sessions)
        print(json.dumps({"t": round(time.monotonic() - started, 2),
                          **{f"{s}_pss_mib": round(u["pss_mib"], 1) for s, u in usage.items()},
                          **{f"{s}_processes": u["processes"] for s, u in usage.items()}}), flush=True)
        stop.wait(interval)
    print(json.dumps({"sampler_cpu_s": round(time.process_time(), 3)}), flush=True)


@dataclass
class MemorySampler:
    """Samples `side_usage` from a separate process under SCHED_IDLE while a step runs.

    Reading the PSS of ~40 processes costs ~0.3 s of CPU per sample. Under SCHED_IDLE the kernel
    gives the sampler a CPU only when no orchestrator process wants it (weight 3 against 1024), so
    it cannot slow the runs it watches; when the machine is saturated, samples just come later.
    Its CPU time is recorded (`sampler_cpu_s`) alongside the samples.
    """

    settings: LabSettings
    interval: float = 2.0
    enabled: bool = True
    series: list[dict[str, float]] = field(default_factory=list)
    sampler_cpu_s: float = 0.0
    _process: subprocess.Popen[str] | None = None

    def __enter__(self) -> MemorySampler:
        if self.enabled:
            sessions = json.dumps({str(pid): side for pid, side in _sessions(self.settings).items()})
            self._process = subprocess.Popen(
                [sys.executable, "-m", "comparisons.bench.processes", str(self.interval), sessions],
                cwd=self.settings.root, stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            return
        self._process.terminate()
        out, _ = self._process.communicate(timeout=120)
        for line in out.splitlines():
            sample = json.loads(line)
            if "sampler_cpu_s" in sample:
                self.sampler_cpu_s = float(sample["sampler_cpu_s"])
            else:
                self.series.append(sample)

    def peak(self) -> dict[str, float]:
        return {side: max((s[f"{side}_pss_mib"] for s in self.series), default=0.0) for side in SIDES}


if __name__ == "__main__":
    _sample_forever(float(sys.argv[1]), {int(pid): side for pid, side in json.loads(sys.argv[2]).items()})
