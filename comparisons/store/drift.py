"""Drift runs: every record both probe scripts printed in one run, as `results/drift/<time>-<versions>.json`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comparisons.errors import LabError
from comparisons.inside.common.probe import OUTCOMES
from comparisons.store.files import Loaded, read_all, schema_checked, write_json_once

__all__ = ["FOLDER", "ORCHESTRATORS", "PAIRS", "DriftRun", "latest", "load_drift", "validate", "write_drift"]

SCHEMA_VERSION = 1
FOLDER = "drift"
ORCHESTRATORS = ("airflow", "prefect")
#: The lab's pairs a drift record may name as showing a construct's current form.
PAIRS = ("etl_basic", "retries_backoff", "timeouts", "caching", "dynamic_fanout", "parallel_files",
         "conditional", "subflows", "concurrency_limits", "scheduled_daily", "failure_hooks",
         "results_and_payloads", "secrets_and_config", "parameters")
FIELDS = {"id", "construct", "lesson_section", "orchestrator", "version", "outcome", "detail", "replacement",
          "pair"}


@dataclass(frozen=True)
class DriftRun:
    """One run of both probe scripts: every record, and what the run cost."""

    records: list[dict[str, Any]]
    seconds: dict[str, float]
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    git_commit: str = ""
    host: dict[str, Any] = field(default_factory=dict)

    @property
    def versions(self) -> dict[str, str]:
        return {r["orchestrator"]: r["version"] for r in self.records}

    def to_json(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "created_at": self.created_at, "versions": self.versions,
                "seconds": self.seconds, "git_commit": self.git_commit, "host": self.host,
                "records": self.records}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DriftRun:
        data = schema_checked(data, SCHEMA_VERSION)
        return cls(records=[validate(r) for r in data["records"]], seconds=data.get("seconds", {}),
                   created_at=data["created_at"], git_commit=data.get("git_commit", ""),
                   host=data.get("host", {}))


def validate(record: Any) -> dict[str, Any]:
    """The record itself if it is well-formed; else ValueError naming what is wrong."""
    if not isinstance(record, dict):
        raise ValueError(f"a drift record must be a JSON object, got {record!r}")
    if set(record) != FIELDS:
        raise ValueError(f"drift record {record.get('id')!r}: fields {sorted(set(record) ^ FIELDS)} "
                         f"missing or unexpected (expected {sorted(FIELDS)})")
    problems = []
    if record["orchestrator"] not in ORCHESTRATORS:
        problems.append(f"orchestrator {record['orchestrator']!r} is not one of {sorted(ORCHESTRATORS)}")
    if record["outcome"] not in OUTCOMES:
        problems.append(f"outcome {record['outcome']!r} is not one of {list(OUTCOMES)}")
    if not re.fullmatch(r"\d+\.\d+", str(record["lesson_section"])):
        problems.append(f"lesson_section {record['lesson_section']!r} is not like '3.2'")
    if record["pair"] is not None and record["pair"] not in PAIRS:
        problems.append(f"pair {record['pair']!r} is not a lab pair {PAIRS}")
    for name in ("id", "construct", "version", "detail", "replacement"):
        if not isinstance(record[name], str) or not record[name]:
            problems.append(f"{name} must be a non-empty string")
    if problems:
        raise ValueError(f"drift record {record.get('id')!r}: " + "; ".join(problems))
    return record


def write_drift(results: Path, run: DriftRun) -> Path:
    """Store one run as `results/drift/<date>-<time>-<versions>.json`."""
    stamp = run.created_at[:19].replace(":", "").replace("T", "-")
    versions = "-".join(f"{name}-{version}" for name, version in sorted(run.versions.items()))
    return write_json_once(results / FOLDER / f"{stamp}-{versions}.json", run.to_json())


def latest(results: Path) -> tuple[Path, DriftRun] | None:
    """The newest stored run, or None; a file that cannot be read is an error naming it."""
    paths = sorted((results / FOLDER).glob("*.json"))
    loaded = read_all(paths[-1:], DriftRun.from_json)
    for path, why in loaded.unreadable:
        raise LabError(f"{path} is not a drift record ({why}); move it away and run `./lab drift`.")
    return loaded.records[0] if loaded.records else None


def load_drift(results: Path) -> Loaded[DriftRun]:
    return read_all((results / FOLDER).glob("*.json"), DriftRun.from_json)
