"""The `concurrency_limits` pair's logic: use a resource that takes two users at a time, and prove it held.

Both pipelines fan out one task per work item; each task holds the shared resource for a while.
Airflow limits them with a pool, Prefect with a global concurrency limit, both named
`SHARED_RESOURCE` and both of `SHARED_RESOURCE_SLOTS` slots (`config/pools.json` defines the pool
and, through the deploy job, the Prefect limit). Each task notes when it held the resource; the
load task computes the peak overlap from those notes, so the output states whether the limit held
(`limit_held`) without keeping timestamps, which differ on every run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = [
    "SHARED_RESOURCE",
    "SHARED_RESOURCE_SLOTS",
    "USAGE_COLUMNS",
    "expected_concurrency_limits",
    "hold_resource",
    "load_usage",
    "peak_overlap",
    "usage_rows",
    "work_items",
]

SHARED_RESOURCE = "lab_shared_resource"
SHARED_RESOURCE_SLOTS = 2  # tests/unit/test_shared_resource.py holds config/pools.json to the same

USAGE_COLUMNS: tuple[Column, ...] = (
    ("item", "INTEGER PRIMARY KEY"),
    ("result", "TEXT NOT NULL"),
    ("limit_held", "TEXT NOT NULL"),  # 'true' when at most SHARED_RESOURCE_SLOTS tasks overlapped
)
TABLE = "concurrency_limits"


@measured
def work_items(n_items: int = 6) -> list[int]:
    """The items to process, 1..n_items."""
    if n_items < 1:
        raise ValueError(f"n_items must be >= 1, got {n_items}")
    return list(range(1, n_items + 1))


def _result(item: int) -> str:
    return f"item-{item:03d}-done"


@measured
def hold_resource(item: int, hold_seconds: float = 1.0) -> dict:
    """Use the shared resource for `hold_seconds` on behalf of `item`; returns what happened and when.

    Call it only while holding a slot: the start and end it records (epoch seconds, this host's
    clock, which both orchestrators' workers share here) then bound the time the slot was held.
    """
    if hold_seconds < 0:
        raise ValueError(f"hold_seconds must be >= 0, got {hold_seconds}")
    start = time.time()
    time.sleep(hold_seconds)
    return {"item": item, "result": _result(item), "start": start, "end": time.time()}


def peak_overlap(usages: Iterable[dict]) -> int:
    """The largest number of usages holding the resource at the same instant.

    Intervals are half-open: one that ends exactly when another starts does not overlap it
    (a slot handed over is not two slots held), so ends sort before starts at equal times.
    """
    events = sorted(
        [(usage["start"], 1) for usage in usages] + [(usage["end"], -1) for usage in usages],
        key=lambda event: (event[0], event[1]),
    )
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def usage_rows(usages: list[dict], slots: int = SHARED_RESOURCE_SLOTS) -> list[dict]:
    """One row per item, each saying whether the run stayed within `slots` (no timestamps: they vary)."""
    held = "true" if peak_overlap(usages) <= slots else "false"
    return [{"item": u["item"], "result": u["result"], "limit_held": held} for u in usages]


@measured
def load_usage(usages: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.concurrency_limits`; returns the peak overlap, for the run's log."""
    schema = check_orchestrator(orchestrator)
    load_rows(warehouse_dsn(), schema, TABLE, USAGE_COLUMNS, usage_rows(usages))
    return peak_overlap(usages)


def expected_concurrency_limits(n_items: int = 6, hold_seconds: float = 1.0) -> Fingerprint:
    """Every item processed, and the limit held."""
    rows = [{"item": i, "result": _result(i), "limit_held": "true"} for i in work_items(n_items)]
    return fingerprint_rows(USAGE_COLUMNS, rows)
