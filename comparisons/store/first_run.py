"""First-run records: what one `./lab all` cost, phase by phase, as `results/first-run/<time>-all.json`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from comparisons.errors import LabError
from comparisons.store.files import Loaded, read_all, schema_checked, write_json_once

__all__ = ["FOLDER", "FirstRun", "latest", "load_first_runs", "write_first_run"]

FOLDER = "first-run"
SCHEMA_VERSION = 1


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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FirstRun:
        return cls(**schema_checked(data, SCHEMA_VERSION))

    def to_json(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}


def write_first_run(results: Path, record: FirstRun) -> Path:
    stamp = record.created_at[:19].replace("-", "").replace(":", "").replace("T", "-")  # 20261203-191105
    return write_json_once(results / FOLDER / f"{stamp}-all.json", record.to_json())


def latest(results: Path, *, cold: bool = True) -> tuple[Path, FirstRun] | None:
    """The newest record (of a cold run, by default) in `results/first-run/`; an unreadable one is an error."""
    loaded = load_first_runs(results)
    for path, why in loaded.unreadable[-1:]:
        raise LabError(f"{path} is not a first-run record ({why}); remove it or run `./lab all` again.")
    return next(((path, record) for path, record in reversed(loaded.records) if record.cold or not cold), None)




def load_first_runs(results: Path) -> Loaded[FirstRun]:
    return read_all((results / FOLDER).glob("*.json"), FirstRun.from_json)
