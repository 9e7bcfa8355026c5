"""Records the harness keeps: what one run did, as seen from its server's own timestamps."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["RunRecord", "TaskRecord", "WorkSpan", "parse_time"]

State = Literal["success", "failed", "running", "queued", "other"]


def parse_time(value: str | None) -> datetime | None:
    """ISO-8601 from either server (Airflow ends in 'Z', Prefect in '+00:00') to an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class TaskRecord:
    name: str
    state: str
    start: datetime | None
    end: datetime | None
    tries: int = 1
    map_index: int = -1

    @property
    def seconds(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class WorkSpan:
    """One call of the pipeline's own code, timed inside the task body (`shared_logic.work_clock`)."""

    function: str
    start: datetime
    seconds: float
    failed: bool = False


@dataclass(frozen=True)
class RunRecord:
    """One pipeline run on one orchestrator. ``created`` is when the server recorded the trigger."""

    orchestrator: str
    version: str
    pair: str
    run_id: str
    state: State
    raw_state: str
    created: datetime | None
    start: datetime | None
    end: datetime | None
    tasks: tuple[TaskRecord, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    started_from: Literal["harness", "ui"] = "harness"
    url: str = ""
    error: str | None = None
    harness: dict[str, float] | None = None
    """What the harness spent watching this run (CPU s, wall s, polls); see `poll_until_terminal`."""
    work: tuple[WorkSpan, ...] = ()
    """The pipeline's own code, timed from inside the tasks; empty when it was not measured."""

    def to_json(self) -> dict[str, Any]:
        def convert(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [convert(v) for v in value]
            return value

        return convert(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        tasks = tuple(
            TaskRecord(**{**t, "start": parse_time(t["start"]), "end": parse_time(t["end"])})
            for t in data.get("tasks", []))
        work = tuple(WorkSpan(**{**w, "start": parse_time(w["start"])}) for w in data.get("work", []))
        return cls(**{**data, "tasks": tasks, "work": work, "created": parse_time(data["created"]),
                      "start": parse_time(data["start"]), "end": parse_time(data["end"])})
