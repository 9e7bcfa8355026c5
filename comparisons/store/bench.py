"""Bench records that are not one-pair comparisons (bursts, baselines, setup cost, the session summary),
as `results/bench/<session>/<kind>-<key>.json`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comparisons.store.files import Loaded, read_all, schema_checked, write_json_once

__all__ = ["BenchRecord", "bench_folder", "load_bench", "write_bench"]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class BenchRecord:
    kind: str  # "local" | "fresh" | "concurrent" | "served" | "memory" | "baseline" | "setup" | "error" | "summary"
    """What the record holds; `profile` is the stack profile it was measured under."""
    session: str
    key: str
    values: dict[str, Any]
    host: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    profile: str = "tuned"
    error: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchRecord:
        return cls(**schema_checked(data, SCHEMA_VERSION))


def bench_folder(results: Path, session: str) -> Path:
    return results / "bench" / session


def write_bench(results: Path, record: BenchRecord) -> Path:
    return write_json_once(bench_folder(results, record.session) / f"{record.kind}-{record.key}.json",
                           record.to_json())


def load_bench(results: Path) -> Loaded[BenchRecord]:
    return read_all((results / "bench").glob("*/*.json"), BenchRecord.from_json)
