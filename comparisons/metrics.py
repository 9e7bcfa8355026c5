"""Metrics, defined once as (name, description, function of a run) and summarised over repetitions.

Two clocks. The servers' timestamps: `created` is when the server recorded the trigger, `start`/`end`
bound the run, each task's `start`/`end` bound its task instance or task run; what each side sets
them at differs (docs/methodology.md), so only `total` compares across orchestrators as is. The tasks'
own clock (`shared_logic.work_clock`): each call of the pipeline's code timed inside the task body,
the same way on both sides, so `work` and `overhead` (total minus work) mean the same on both.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from comparisons.store.runs import RunRecord

__all__ = ["METRICS", "Metric", "Summary", "bootstrap_interval", "summarise", "verdict"]


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds()


def _task_intervals(run: RunRecord) -> list[tuple[datetime, datetime]]:
    return sorted((t.start, t.end) for t in run.tasks if t.start and t.end)


def _covered(intervals: list[tuple[datetime, datetime]]) -> float | None:
    """Seconds covered by at least one interval: overlapping ones are not double-counted."""
    if not intervals:
        return None
    intervals = sorted(intervals)
    covered, (cur_start, cur_end) = 0.0, intervals[0]
    for start, end in intervals[1:]:
        if start > cur_end:
            covered += (cur_end - cur_start).total_seconds()
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    return covered + (cur_end - cur_start).total_seconds()


def total(run: RunRecord) -> float | None:
    return _seconds(run.created, run.end)


def pickup(run: RunRecord) -> float | None:
    return _seconds(run.created, run.start)


def in_tasks(run: RunRecord) -> float | None:
    """Wall time with at least one task instance/run open, by the server's task timestamps."""
    return _covered(_task_intervals(run))


def work(run: RunRecord) -> float | None:
    """Wall time with the pipeline's own code running, by the tasks' own clock (None: not measured)."""
    return _covered([(span.start, span.start + timedelta(seconds=span.seconds)) for span in run.work])


def overhead(run: RunRecord) -> float | None:
    """Trigger → done minus the pipeline's own code: all the orchestrator added, the same on both sides."""
    t, busy = total(run), work(run)
    return None if t is None or busy is None else t - busy


def task_overhead(run: RunRecord) -> float | None:
    """Time tasks were open by the server but not running pipeline code: task start-up and hand-back."""
    open_, busy = in_tasks(run), work(run)
    return None if open_ is None or busy is None else max(0.0, open_ - busy)


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
    Metric("in_tasks", "tasks open", "wall time with at least one task open, by the server's task timestamps",
           in_tasks),
    Metric("work", "pipeline code", "wall time running the pipeline's own code, timed inside the tasks", work),
    Metric("task_overhead", "task start-up", "tasks open minus pipeline code: starting and ending each task",
           task_overhead),
    Metric("gaps", "between tasks", "idle time between the first task's start and the last task's end", gaps),
    Metric("tail", "last task → done", "last task's end to the run's end", tail),
    Metric("overhead", "orchestration overhead", "trigger → done minus the pipeline's own code", overhead),
)


#: Every interval the lab prints: a 95 % bootstrap interval of the median, from a fixed seed so the
#: generated docs are the same on every rendering of the same records.
BOOTSTRAP_RESAMPLES = 2000
P95_MIN_N = 20


def bootstrap_interval(values: Sequence[float], *, resamples: int = BOOTSTRAP_RESAMPLES,
                       seed: int = 0) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of the median (n = 1 gives the value itself)."""
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p95: float | None
    """Only where n >= 20: the 95th percentile of fewer values is just their maximum."""
    minimum: float
    maximum: float
    ci_low: float
    ci_high: float

    def short(self) -> str:
        if self.n == 1:
            return f"{self.median:.2f} s (n=1)"
        return f"{self.median:.2f} s [{self.ci_low:.2f}–{self.ci_high:.2f}] (n={self.n})"


def _p95(values: Sequence[float]) -> float | None:
    if len(values) < P95_MIN_N:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))]


def summarise(values: Sequence[float | None]) -> Summary | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    low, high = bootstrap_interval(present)
    return Summary(len(present), statistics.median(present), _p95(present), min(present), max(present), low, high)


def verdict(faster: Sequence[float], slower: Sequence[float]) -> str:
    """The lab's rule for "A is faster than B": A's 95 % interval of the median lies wholly below B's."""
    if len(faster) < 2 or len(slower) < 2:
        return "not enough runs (n < 2)"
    a, b = bootstrap_interval(faster), bootstrap_interval(slower)
    if a[1] < b[0]:
        return "faster"
    if b[1] < a[0]:
        return "slower"
    return "no clear difference"
