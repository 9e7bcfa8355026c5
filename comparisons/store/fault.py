"""Fault records: one scenario on one orchestrator, as `results/faults/<time>-<scenario>-<side>-<id>.json`."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comparisons.store.files import Loaded, read_all, schema_checked, write_json_once

__all__ = ["FOLDER", "FaultRecord", "load_faults", "write_fault"]

SCHEMA_VERSION = 1
FOLDER = "faults"


@dataclass(frozen=True)
class FaultRecord:
    scenario: str
    orchestrator: str
    pair: str
    parameters: dict[str, Any]
    injection: str
    """What was done, as it was done (pids, downtime)."""
    run_ids: list[str]
    detected: bool | None
    """The server showed the failure (a failed try, a retry, a crashed run); None: nothing was injected."""
    detect_s: float | None
    """Fault → the server showing it, observed every 0.5 s (for a raised fault, from the task's start)."""
    final_state: str
    expected_state: str
    recovered: bool
    """Ended in the expected state with no help beyond the restart the scenario itself includes."""
    data_intact: bool | None
    """Output table holds exactly the expected rows, or (run not successful) no table at all."""
    output: dict[str, Any] | None
    expected_output: dict[str, Any] | None
    drain_s: float | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    version: str = ""
    profile: str = "tuned"
    scale_out: int = 0
    """Workers a side the stack ran with (0: the default stack)."""
    host: dict[str, Any] = field(default_factory=dict)
    git_commit: str = ""
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def verdict(self) -> str:
        """A word or two for the matrix: recovered, stopped as designed, failed safe, stuck, or lost data."""
        if self.data_intact is False:
            return "DATA WRONG"
        if self.recovered:
            return "recovered" if self.expected_state == "success" else "stopped as designed"
        return "stuck" if self.final_state.startswith("stuck") else "failed safe"

    def to_json(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRecord:
        return cls(**schema_checked(data, SCHEMA_VERSION))


def write_fault(results: Path, record: FaultRecord) -> Path:
    stamp = record.created_at[:19].replace(":", "")
    name = f"{stamp}-{record.scenario}-{record.orchestrator}-{record.record_id}.json"
    return write_json_once(results / FOLDER / name, record.to_json())


def load_faults(results: Path) -> Loaded[FaultRecord]:
    """Every stored fault record, oldest first, and the files that could not be read (with why)."""
    loaded = read_all((results / FOLDER).glob("*.json"), FaultRecord.from_json)
    loaded.records.sort(key=lambda item: item[1].created_at)
    return loaded
