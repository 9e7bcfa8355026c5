"""Choose the processing by data size (the lesson's practice problem 3), without any orchestrator.

`airflow_dags/conditional.py` and `prefect_flows/conditional.py` both ask `size_class` which
branch to take, so the two sides cannot disagree about the threshold. Small data is cleaned in
one pass in memory; large data in fixed-size chunks, de-duplicated across chunks. Both give the
same orders, so the output differs only by the branch it records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from shared_logic.orders import extract_orders, transform_orders
from shared_logic.warehouse import (
    Column,
    Fingerprint,
    check_orchestrator,
    fingerprint_rows,
    load_rows,
    warehouse_dsn,
)
from shared_logic.work_clock import measured

__all__ = [
    "CHUNK_ROWS",
    "CONDITIONAL_COLUMNS",
    "CONDITIONAL_TABLE",
    "LARGE_FROM_ROWS",
    "SizeClass",
    "expected_conditional",
    "load_branch_summary",
    "process_in_chunks",
    "process_in_memory",
    "size_class",
]

SizeClass = Literal["small", "large"]

LARGE_FROM_ROWS = 1_000  # from this many raw rows on, the data counts as large
CHUNK_ROWS = 250  # rows cleaned at a time on the large branch

# One summary row per run: which branch ran and what it produced.
CONDITIONAL_COLUMNS: tuple[Column, ...] = (
    ("branch", "TEXT NOT NULL"),
    ("rows_in", "INTEGER NOT NULL"),
    ("rows_out", "INTEGER NOT NULL"),
    ("revenue_cents", "BIGINT NOT NULL"),
)
CONDITIONAL_TABLE = "conditional"


@measured
def size_class(row_count: int) -> SizeClass:
    """'large' from LARGE_FROM_ROWS raw rows on, else 'small': the one rule both sides follow."""
    if row_count < 0:
        raise ValueError(f"row_count must be >= 0, got {row_count}")
    return "large" if row_count >= LARGE_FROM_ROWS else "small"


def _summary(branch: SizeClass, rows_in: int, cleaned: Iterable[dict]) -> dict:
    orders = list(cleaned)
    return {"branch": branch, "rows_in": rows_in, "rows_out": len(orders),
            "revenue_cents": sum(order["total_cents"] for order in orders)}


@measured
def process_in_memory(rows: list[dict]) -> dict:
    """The small branch: clean every row in one pass."""
    return _summary("small", len(rows), transform_orders(rows))


@measured
def process_in_chunks(rows: list[dict], chunk_rows: int = CHUNK_ROWS) -> dict:
    """The large branch: clean CHUNK_ROWS at a time, keeping the first valid copy of each order."""
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    cleaned: dict[str, dict] = {}
    for start in range(0, len(rows), chunk_rows):
        for order in transform_orders(rows[start:start + chunk_rows]):
            cleaned.setdefault(order["order_id"], order)
    return _summary("large", len(rows), cleaned.values())


@measured
def load_branch_summary(summary: dict, *, orchestrator: str) -> int:
    """Replace `<orchestrator>.conditional` with the one summary row of this run."""
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, CONDITIONAL_TABLE, CONDITIONAL_COLUMNS, [summary])


def expected_conditional(n_rows: int = 200, seed: int = 42) -> Fingerprint:
    """The fingerprint a correct `conditional` run leaves: the branch `size_class` picks, and its summary."""
    rows = extract_orders(n_rows, seed)
    process = process_in_chunks if size_class(len(rows)) == "large" else process_in_memory
    return fingerprint_rows(CONDITIONAL_COLUMNS, [process(rows)])
