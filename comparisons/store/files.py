"""How every record kind reaches and leaves the disk: one immutable JSON file each, schema-versioned.

A kill mid-write leaves at worst a stray `*.tmp`; a record, once written, is never changed; a file
that cannot be read is returned with the reason, so the report lists it instead of dropping it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

__all__ = ["Loaded", "read_all", "schema_checked", "write_json_once"]

T = TypeVar("T")


class Loaded(NamedTuple, Generic[T]):
    """What a folder held: the records it could read (path, record), and the others with why."""

    records: list[tuple[Path, T]]
    unreadable: list[tuple[Path, str]]


def write_json_once(target: Path, data: dict[str, Any]) -> Path:
    """Write a record atomically (temp file + fsync + rename) and never over an existing one."""
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


def schema_checked(data: Any, version: int) -> dict[str, Any]:
    """The record's fields without `schema_version`; ValueError if it is not a record of `version`."""
    if not isinstance(data, dict):
        raise ValueError(f"a record is a JSON object, this is {type(data).__name__}")
    if data.get("schema_version") != version:
        raise ValueError(f"schema_version {data.get('schema_version')} (expected {version})")
    return {key: value for key, value in data.items() if key != "schema_version"}


def read_all(paths: Iterable[Path], parse: Callable[[dict[str, Any]], T]) -> Loaded[T]:
    """Parse every file, in path order; one that fails goes to `unreadable` with the reason."""
    records: list[tuple[Path, T]] = []
    unreadable: list[tuple[Path, str]] = []
    for path in sorted(paths):
        try:
            records.append((path, parse(json.loads(path.read_text()))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            unreadable.append((path, f"{type(exc).__name__}: {exc}"))
    return Loaded(records, unreadable)
