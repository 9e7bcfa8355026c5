"""Benchmark records that are not one-pair comparisons: concurrency bursts, baselines, setup cost.

One immutable JSON file each under `results/bench/<session>/`, written like comparisons are
(atomically, never overwritten), so the report is rebuilt from files alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
    folder = bench_folder(results, record.session)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{record.kind}-{record.key}.json"
    tmp = target.with_suffix(".json.tmp")
    with tmp.open("w") as handle:
        json.dump(record.to_json(), handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    if target.exists():
        raise FileExistsError(target)
    os.replace(tmp, target)
    return target


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
