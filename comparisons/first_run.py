"""What `./lab all` cost, phase by phase: the record behind the README's "a fresh clone takes …".

The `lab` script exports LAB_STARTED_AT before it installs anything, so the total includes uv and
the lab's own environment; `cold` says whether the orchestrators' environments had to be created
(a fresh clone) or were already there, `package_cache` whether uv's download cache was there before
the `lab` script began (a fresh machine has none). One JSON record per run under `results/first-run/`,
published like the others (`./lab publish first-run`).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comparisons.errors import LabError
from comparisons.results import git_commit, host_info, write_json_once
from comparisons.settings import LabSettings
from comparisons.stack.services import AIRFLOW_VERSION, PREFECT_VERSION

__all__ = ["ENVIRONMENTS", "FOLDER", "PAIRS", "PHASES", "REPORT", "STACK_UP", "FirstRun", "latest", "sentence",
           "started_at"]

FOLDER = "first-run"
SCHEMA_VERSION = 1
#: The phases, in the order they run (the record's JSON keeps its keys sorted).
BEFORE_CLI = "before the CLI (uv and the lab's environment)"
ENVIRONMENTS = "Airflow's and Prefect's environments"
STACK_UP = "stack up"
PAIRS = "every pair on both"
REPORT = "report"
PHASES = (BEFORE_CLI, ENVIRONMENTS, STACK_UP, PAIRS, REPORT)


def started_at() -> float:
    """When `./lab` began (epoch seconds), or now when the CLI was started another way."""
    try:
        return float(os.environ["LAB_STARTED_AT"])
    except (KeyError, ValueError):
        return time.time()


@dataclass
class FirstRun:
    """`./lab all`'s phases in seconds, in the order they ran; `total_s` is from the `lab` script's start."""

    cold: bool
    package_cache: bool
    pairs: int
    repeat: int
    equal: int
    phases: dict[str, float] = field(default_factory=dict)
    total_s: float = 0.0
    created_at: str = ""
    git_commit: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    host: dict[str, Any] = field(default_factory=dict)

    def finish(self, settings: LabSettings, began: float) -> Path:
        """Stamp the total and the conditions, and store the record."""
        now = datetime.now(UTC)
        self.phases[BEFORE_CLI] = round(
            max(0.0, began - started_at()), 1) if "LAB_STARTED_AT" in os.environ else 0.0
        self.total_s = round(time.time() - started_at(), 1)
        self.created_at, self.git_commit = now.isoformat(), git_commit(settings.root)
        self.versions, self.host = {"airflow": AIRFLOW_VERSION, "prefect": PREFECT_VERSION}, host_info()
        name = f"{now:%Y%m%d-%H%M%S}-all.json"
        return write_json_once(settings.results / FOLDER / name, {"schema_version": SCHEMA_VERSION, **asdict(self)})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FirstRun:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"schema_version {data.get('schema_version')} (expected {SCHEMA_VERSION})")
        return cls(**{k: v for k, v in data.items() if k != "schema_version"})


def latest(results: Path, *, cold: bool = True) -> tuple[Path, FirstRun] | None:
    """The newest record (of a cold run, by default) in `results/first-run/`; an unreadable one is an error."""
    for path in sorted((results / FOLDER).glob("*.json"), reverse=True):
        try:
            record = FirstRun.from_json(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            raise LabError(f"{path} is not a first-run record ({type(exc).__name__}: {exc}); "
                           "remove it or run `./lab all` again.") from exc
        if record.cold or not cold:
            return path, record
    return None


def sentence(record: FirstRun) -> str:
    """The README's line, from the record alone."""
    host = record.host
    ordered = sorted(record.phases.items(), key=lambda item: PHASES.index(item[0]) if item[0] in PHASES else 99)
    phases = "; ".join(f"{name} {seconds:.0f} s" for name, seconds in ordered if seconds)
    packages = (" (packages from uv's cache)" if record.package_cache
                else " (every package downloaded: uv's cache was empty)")
    return (f"On the lab's reference machine ({host.get('cpus')} CPUs, {host.get('memory_gib')} GiB; "
            f"Airflow {record.versions.get('airflow')}, Prefect {record.versions.get('prefect')}, commit "
            f"{record.git_commit}), `./lab all` on a fresh clone took **{record.total_s / 60:.1f} min**, installs "
            f"included{packages}: {phases}. It ran {record.pairs} pairs × {record.repeat} per side, "
            f"{record.equal} equal (record: `published/{FOLDER}/`).")
