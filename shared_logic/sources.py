"""One reusable ETL for several order sources, all landing in one table.

`airflow_dags/subflows.py` (a task group per source) and `prefect_flows/subflows.py` (a subflow
per source) call these. Each source's load replaces only that source's rows, so the three loads
share `<orchestrator>.subflows`, may run in any order or in parallel, and stay idempotent.
"""

from __future__ import annotations

from shared_logic.orders import ORDERS_COLUMNS, extract_orders, transform_orders
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
    "SOURCES",
    "SUBFLOWS_COLUMNS",
    "SUBFLOWS_TABLE",
    "expected_subflows",
    "extract_source_orders",
    "load_source_orders",
    "transform_source_orders",
]

SOURCES = ("web_shop", "marketplace", "wholesale")

# The orders table plus the source; order ids repeat across sources, so none is a key alone.
SUBFLOWS_COLUMNS: tuple[Column, ...] = (("source", "TEXT NOT NULL"),) + tuple(
    (name, "TEXT NOT NULL" if name == "order_id" else sql_type) for name, sql_type in ORDERS_COLUMNS
)
SUBFLOWS_TABLE = "subflows"


def _check_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: use one of {SOURCES}")
    return source


@measured
def extract_source_orders(source: str, n_rows: int = 100, seed: int = 42) -> list[dict]:
    """Raw orders of one source: each source has its own data (seed offset by its position)."""
    return extract_orders(n_rows, seed + SOURCES.index(_check_source(source)))


@measured
def transform_source_orders(rows: list[dict], source: str) -> list[dict]:
    """Clean one source's orders and tag each with the source it came from."""
    _check_source(source)
    return [{"source": source, **order} for order in transform_orders(rows)]


@measured
def load_source_orders(rows: list[dict], source: str, *, orchestrator: str) -> int:
    """Replace this source's rows in `<orchestrator>.subflows`, leaving the other sources' rows alone."""
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, SUBFLOWS_TABLE, SUBFLOWS_COLUMNS, rows,
                     partition=("source", _check_source(source)))


def expected_subflows(n_rows: int = 100, seed: int = 42) -> Fingerprint:
    """The fingerprint a correct `subflows` run leaves: every source's cleaned orders in one table."""
    rows = [row for source in SOURCES
            for row in transform_source_orders(extract_source_orders(source, n_rows, seed), source)]
    return fingerprint_rows(SUBFLOWS_COLUMNS, rows)
