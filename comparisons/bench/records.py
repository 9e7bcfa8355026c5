"""Benchmark records that are not one-pair comparisons: concurrency bursts, baselines, setup cost.

One immutable JSON file each under `results/bench/<session>/`, written like comparisons are
(atomically, never overwritten), so the report is rebuilt from files alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comparisons.results import write_json_once

__all__ = ["BenchRecord", "load_bench", "write_bench"]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class BenchRecord:
    kind: str  # "concurrent" | "baseline" | "setup" | "authoring" | "memory"
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


def bench_folder(results: Path, session: str) -> Path:
    return results / "bench" / session


def write_bench(results: Path, record: BenchRecord) -> Path:
    return write_json_once(bench_folder(results, record.session) / f"{record.kind}-{record.key}.json",
                           record.to_json())


def load_bench(results: Path) -> tuple[list[tuple[Path, BenchRecord]], list[tuple[Path, str]]]:
    loaded, broken = [], []
    for path in sorted((results / "bench").glob("*/*.json")):
        try:
            data = json.loads(path.read_text())
            data.pop("schema_version")
            loaded.append((path, BenchRecord(**data)))
        except (ValueError, KeyError, TypeError) as exc:
            broken.append((path, f"{type(exc).__name__}: {exc}"))
    return loaded, broken
