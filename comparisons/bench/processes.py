"""Memory and process counts of each orchestrator's whole process tree, read from /proc.

Memory is PSS (proportional set size): forked workers share most of their pages with their parent
(Airflow's LocalExecutor forks `parallelism` workers), and summing RSS would count those many times.

Every service runs in its own session (native mode starts each with `start_new_session`), and the
processes it spawns — Airflow's task processes, Prefect's flow-run processes — stay in it, so a
side's tree is every process whose session id is one of that side's service pids.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from comparisons.settings import SIDES, LabSettings
from comparisons.stack.native import running_pid
from comparisons.stack.services import SERVICES

__all__ = ["MemorySampler", "side_usage"]

def _sessions(settings: LabSettings) -> dict[int, str]:
    sessions = {}
    for svc in SERVICES:
        pid = running_pid(settings, svc.name)
        if pid is not None:
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
    sessions = _sessions(settings)
    usage = {side: {"pss_mib": 0.0, "processes": 0} for side in SIDES}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        side = sessions.get(int(fields[3]))  # field 6 of stat: session id
        if side is None:
            continue
        usage[side]["pss_mib"] += _pss_kib(stat_file.parent) / 1024
        usage[side]["processes"] += 1
    return usage


@dataclass
class MemorySampler:
    """Samples `side_usage` in a background thread; `peak` and `series` once stopped."""

    settings: LabSettings
    interval: float = 2.0  # reading smaps of ~40 processes costs CPU: sample sparingly
    enabled: bool = True
    series: list[dict[str, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemorySampler:
        started = time.monotonic()
        if not self.enabled:
            return self

        def sample() -> None:
            while not self._stop.is_set():
                usage = side_usage(self.settings)
                self.series.append({"t": round(time.monotonic() - started, 2),
                                    **{f"{s}_pss_mib": round(u["pss_mib"], 1) for s, u in usage.items()},
                                    **{f"{s}_processes": u["processes"] for s, u in usage.items()}})
                self._stop.wait(self.interval)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def peak(self) -> dict[str, float]:
        return {side: max((s[f"{side}_pss_mib"] for s in self.series), default=0.0) for side in SIDES}
