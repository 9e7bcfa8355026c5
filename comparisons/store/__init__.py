"""The lab's one record store: every kind of record it keeps, where each lives, how it is read.

A results folder (`results/`, and `published/` in the same layout) holds:

    <date>/<time>-<pair>-<id>.json       comparison: a pair on both sides   (`store.comparison`)
    bench/<session>/<kind>-<key>.json    bench step, baseline, setup cost,
                                         error, session summary              (`store.bench`)
    faults/<time>-<scenario>-….json      fault: a scenario on one side       (`store.fault`)
    drift/<time>-<versions>.json         drift: both probe scripts' records  (`store.drift`)
    first-run/<time>-all.json            what one `./lab all` cost           (`store.first_run`)

Every file is written once (`files.write_json_once`) with a `schema_version`, and read back through
`files.read_all`, which returns what it could not read with the reason; `unreadable` gathers those
over every kind, so the report lists them instead of dropping them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from comparisons.store.bench import load_bench
from comparisons.store.comparison import load_comparisons
from comparisons.store.drift import load_drift
from comparisons.store.fault import load_faults
from comparisons.store.files import Loaded
from comparisons.store.first_run import load_first_runs

__all__ = ["KINDS", "unreadable"]

KINDS: dict[str, Callable[[Path], Loaded[Any]]] = {
    "comparison": load_comparisons, "bench": load_bench, "fault": load_faults, "drift": load_drift,
    "first-run": load_first_runs,
}


def unreadable(results: Path) -> list[tuple[str, Path, str]]:
    """Every file under `results` that one of the kinds' readers could not read: (kind, path, why)."""
    return [(kind, path, why) for kind, load in KINDS.items() for path, why in load(results).unreadable]
