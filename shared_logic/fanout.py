"""The `dynamic_fanout` pair's logic: a list known only at run time, one task per item, one row each.

Airflow maps a task over the list (`.expand`), Prefect too (`.map`). Airflow refuses to map more
items than `[core] max_map_length` (1024 by default): `MAX_ITEMS` stays below it, and both sides
refuse a larger list the same way, here, with a message saying so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = ["FANOUT_COLUMNS", "MAX_ITEMS", "expected_dynamic_fanout", "list_work_items", "load_scores", "score_item"]

MAX_ITEMS = 1000  # below Airflow's default [core] max_map_length of 1024
FANOUT_TABLE = "dynamic_fanout"
FANOUT_COLUMNS: tuple[Column, ...] = (
    ("item_id", "TEXT PRIMARY KEY"),
    ("digest", "CHAR(16) NOT NULL"),
    ("score", "INTEGER NOT NULL"),
)


@measured
def list_work_items(n_items: int) -> list[str]:
    """The run's work list: `n_items` ids; in real life the result of a query or a listing."""
    if isinstance(n_items, bool) or not 1 <= n_items <= MAX_ITEMS:
        raise ValueError(
            f"n_items must be between 1 and {MAX_ITEMS}, got {n_items!r}: Airflow maps at most "
            f"[core] max_map_length (1024) items, and an empty list skips a mapped task's downstream")
    return [f"item-{i:04d}" for i in range(1, n_items + 1)]


@measured
def score_item(item_id: str) -> dict:
    """The per-item work: a digest of the id and a score from it, the same wherever it runs."""
    digest = hashlib.sha256(item_id.encode()).hexdigest()[:16]
    return {"item_id": item_id, "digest": digest, "score": int(digest, 16) % 1000}


@measured
def load_scores(rows: Iterable[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.dynamic_fanout` with one row per item; returns the row count.

    `rows` may be any iterable: Airflow hands over a lazy sequence of the mapped results.
    """
    return load_rows(warehouse_dsn(), check_orchestrator(orchestrator), FANOUT_TABLE, FANOUT_COLUMNS, list(rows))


def expected_dynamic_fanout(n_items: int = 10) -> Fingerprint:
    """One scored row per item, computed without any orchestrator."""
    return fingerprint_rows(FANOUT_COLUMNS, [score_item(item) for item in list_work_items(n_items)])
