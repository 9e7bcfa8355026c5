"""Hand-made run records, shaped like what the servers return, for tests that need no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from comparisons.store.comparison import Comparison
from comparisons.store.runs import RunRecord, TaskRecord, WorkSpan

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(orchestrator: str, *, created: float = 0.0, start: float, end: float,
        tasks: list[tuple[str, float, float]], state: str = "success",
        work: list[tuple[str, float, float]] = ()) -> RunRecord:
    """A run; `work` is the pipeline code's own timing, (function, start, end), as the tasks' clock logs it."""
    return RunRecord(
        orchestrator=orchestrator, version="test", pair="etl_basic", run_id=f"{orchestrator}-{start}",
        state=state, raw_state=state, created=at(created), start=at(start), end=at(end),  # type: ignore[arg-type]
        tasks=tuple(TaskRecord(name, "success", at(a), at(b)) for name, a, b in tasks),
        work=tuple(WorkSpan(name, at(a), b - a) for name, a, b in work))


def _shift(tasks: list[tuple[str, float, float]], offset: float) -> list[tuple[str, float, float]]:
    return [(name, a + offset, b + offset) for name, a, b in tasks]


def comparison(status: str = "equal", offset: float = 0.0) -> Comparison:
    fp = {"rows": 3, "sha256": "abc"}
    return Comparison(
        pair="etl_basic", parameters={"n_rows": 5}, status=status, expected=fp,
        outputs={"airflow": fp, "prefect": fp if status == "equal" else None},
        errors={} if status == "equal" else {"prefect": "task load failed; last log lines:\nboom"},
        runs={
            "airflow": run("airflow", created=offset, start=0.2 + offset, end=4.0 + offset,
                           tasks=_shift([("extract", 0.5, 0.7), ("transform", 1.5, 1.8), ("load", 2.6, 3.0)], offset)),
            "prefect": run("prefect", created=offset, start=3.5 + offset, end=4.1 + offset,
                           tasks=_shift([("extract", 3.6, 3.65), ("transform", 3.7, 3.75), ("load", 3.8, 3.9)], offset),
                           state="success" if status == "equal" else "failed"),
        },
        host={"cpu_model": "test cpu", "cpus": 2, "memory_gib": 24, "os": "Linux"})
