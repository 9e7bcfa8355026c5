"""Metrics, defined once as (name, description, function of a run) and summarised over repetitions.

All of them come from the servers' own timestamps: `created` is when the server recorded the
trigger, `start`/`end` bound the run, and each task's `start`/`end` bound its work.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from comparisons.records import RunRecord

__all__ = ["METRICS", "Metric", "Summary", "summarise"]


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds()


def _task_intervals(run: RunRecord) -> list[tuple[datetime, datetime]]:
    return sorted((t.start, t.end) for t in run.tasks if t.start and t.end)


def total(run: RunRecord) -> float | None:
    return _seconds(run.created, run.end)


def pickup(run: RunRecord) -> float | None:
    return _seconds(run.created, run.start)


def in_tasks(run: RunRecord) -> float | None:
    """Wall time covered by at least one running task (parallel tasks are not double-counted)."""
    intervals = _task_intervals(run)
    if not intervals:
        return None
    covered, (cur_start, cur_end) = 0.0, intervals[0]
    for start, end in intervals[1:]:
        if start > cur_end:
            covered += (cur_end - cur_start).total_seconds()
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    return covered + (cur_end - cur_start).total_seconds()


def overhead(run: RunRecord) -> float | None:
    t, busy = total(run), in_tasks(run)
    return None if t is None or busy is None else t - busy


def gaps(run: RunRecord) -> float | None:
    """Idle time between the first task's start and the last task's end, when no task was running.

    Measured against the union of all task intervals, so a short task that overlaps a long one
    hides no idle time and adds none: the orchestrator's hand-over cost between tasks.
    """
    intervals = _task_intervals(run)
    if len(intervals) < 2:
        return None
    span = (max(end for _, end in intervals) - intervals[0][0]).total_seconds()
    return max(0.0, span - (in_tasks(run) or 0.0))


def first_task_wait(run: RunRecord) -> float | None:
    intervals = _task_intervals(run)
    return _seconds(run.start, intervals[0][0]) if intervals else None


def tail(run: RunRecord) -> float | None:
    intervals = _task_intervals(run)
    return _seconds(max(end for _, end in intervals), run.end) if intervals else None


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    compute: Callable[[RunRecord], float | None]


METRICS: tuple[Metric, ...] = (
    Metric("total", "trigger → done", "server's trigger record to the run's end", total),
    Metric("pickup", "trigger → started", "queued until a worker/executor started the run", pickup),
    Metric("first_task_wait", "started → first task", "run start to the first task's start", first_task_wait),
    Metric("in_tasks", "inside tasks", "wall time with at least one task running", in_tasks),
    Metric("gaps", "between tasks", "idle time between the first task's start and the last task's end", gaps),
    Metric("tail", "last task → done", "last task's end to the run's end", tail),
    Metric("overhead", "orchestration overhead", "trigger → done minus time inside tasks", overhead),
)


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p95: float
    minimum: float
    maximum: float

    def short(self) -> str:
        if self.n == 1:
            return f"{self.median:.2f} s (n=1)"
        return f"{self.median:.2f} s [{self.minimum:.2f}–{self.maximum:.2f}] (n={self.n})"


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))
    return ordered[index]


def summarise(values: Sequence[float | None]) -> Summary | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    return Summary(len(present), statistics.median(present), _p95(present), min(present), max(present))
