"""Results store: one immutable JSON file per comparison, written atomically, never rewritten.

The report is a pure function of these files, so `./lab report` can always rebuild everything, and a
run killed mid-write leaves at worst a stray `*.tmp`, never a half file.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comparisons.records import RunRecord

__all__ = ["SCHEMA_VERSION", "Comparison", "host_info", "load_all", "write", "write_json_once"]

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
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"schema_version {data.get('schema_version')} (expected {SCHEMA_VERSION})")
        return cls(
            pair=data["pair"], parameters=data["parameters"], expected=data["expected"],
            outputs=data["outputs"], status=data["status"], errors=data.get("errors", {}),
            started_from=data.get("started_from", "harness"), profile=data.get("profile", "tuned"),
            comparison_id=data["comparison_id"], created_at=data["created_at"],
            git_commit=data.get("git_commit", ""), host=data.get("host", {}), labels=data.get("labels", {}),
            runs={name: RunRecord.from_json(run) for name, run in data["runs"].items()})


def git_commit(root: Path) -> str:
    try:
        result = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False)
    except OSError:  # no git, e.g. in the compose `lab` container
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def host_info() -> dict[str, Any]:
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"hostname": socket.gethostname(), "cpus": os.cpu_count(), "cpu_model": cpu,
            "memory_gib": round(memory_kb / 1024 / 1024, 1), "os": platform.platform(),
            "python": platform.python_version()}


def write_json_once(target: Path, data: dict[str, Any]) -> Path:
    """Write a record atomically (temp file + fsync + rename) and never over an existing one.

    Every record store of the lab writes through here, so a kill mid-write leaves at worst a stray
    `*.tmp`, and a result, once written, is never changed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(target)
    tmp = target.with_suffix(".json.tmp")
    with tmp.open("w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    if target.exists():
        raise FileExistsError(target)
    os.replace(tmp, target)
    return target


def write(folder: Path, comparison: Comparison) -> Path:
    """Store one comparison as `<folder>/<date>/<time>-<pair>-<id>.json`."""
    day = comparison.created_at[:10]
    clock = comparison.created_at[11:19].replace(":", "")
    return write_json_once(folder / day / f"{clock}-{comparison.pair}-{comparison.comparison_id}.json",
                           comparison.to_json())


def load_all(folder: Path) -> tuple[list[tuple[Path, Comparison]], list[tuple[Path, str]]]:
    """Every stored comparison, oldest first, and the files that could not be read (with why)."""
    loaded, broken = [], []
    for path in sorted(folder.glob("[0-9]*/*.json")):  # date folders; bench/ and drift/ hold other records
        try:
            loaded.append((path, Comparison.from_json(json.loads(path.read_text()))))
        except (ValueError, KeyError, TypeError) as exc:
            broken.append((path, f"{type(exc).__name__}: {exc}"))
    loaded.sort(key=lambda item: item[1].created_at)
    return loaded, broken
