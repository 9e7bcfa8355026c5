"""Comparisons: one pair run on both orchestrators, its outputs checked, as `results/<date>/*.json`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comparisons.store.files import Loaded, read_all, schema_checked, write_json_once
from comparisons.store.runs import RunRecord

__all__ = ["SCHEMA_VERSION", "Comparison", "load_comparisons", "write"]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Comparison:
    """One pair run on both orchestrators, with its outputs checked against each other."""

    pair: str
    parameters: dict[str, Any]
    runs: dict[str, RunRecord]
    outputs: dict[str, dict[str, Any] | None]
    expected: dict[str, Any] | None
    status: str  # "equal" | "different" | "failed"
    errors: dict[str, str] = field(default_factory=dict)
    started_from: str = "harness"
    profile: str = "tuned"
    comparison_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    git_commit: str = ""
    host: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    """Where a comparison came from, e.g. {"bench_session": …, "workload": "chain", "size": 10}."""

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION, "comparison_id": self.comparison_id,
            "created_at": self.created_at, "pair": self.pair, "status": self.status,
            "started_from": self.started_from, "profile": self.profile, "parameters": self.parameters,
            "expected": self.expected, "outputs": self.outputs, "errors": self.errors,
            "git_commit": self.git_commit, "host": self.host, "labels": self.labels,
            "runs": {name: run.to_json() for name, run in self.runs.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Comparison:
        data = schema_checked(data, SCHEMA_VERSION)
        return cls(
            pair=data["pair"], parameters=data["parameters"], expected=data["expected"],
            outputs=data["outputs"], status=data["status"], errors=data.get("errors", {}),
            started_from=data.get("started_from", "harness"), profile=data.get("profile", "tuned"),
            comparison_id=data["comparison_id"], created_at=data["created_at"],
            git_commit=data.get("git_commit", ""), host=data.get("host", {}), labels=data.get("labels", {}),
            runs={name: RunRecord.from_json(run) for name, run in data["runs"].items()})


def write(folder: Path, comparison: Comparison) -> Path:
    """Store one comparison as `<folder>/<date>/<time>-<pair>-<id>.json`."""
    day = comparison.created_at[:10]
    clock = comparison.created_at[11:19].replace(":", "")
    return write_json_once(folder / day / f"{clock}-{comparison.pair}-{comparison.comparison_id}.json",
                           comparison.to_json())


def load_comparisons(folder: Path) -> Loaded[Comparison]:
    """Every stored comparison, oldest first, and the files that could not be read (with why)."""
    loaded = read_all(folder.glob("[0-9]*/*.json"), Comparison.from_json)  # date folders only
    loaded.records.sort(key=lambda item: item[1].created_at)
    return loaded
