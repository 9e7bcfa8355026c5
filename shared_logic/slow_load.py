"""The `slow_load` pair's logic: the orders of `etl_basic`, loaded slowly, in one transaction.

A big warehouse load takes minutes; this one takes `seconds` (20 batches, a pause between
each), which gives the fault scenarios (`./lab fault`) a window to kill a process, restart a
server or PostgreSQL mid-load. Because the whole load is one transaction, a crash leaves the
previous content of the table, never part of the new one, and a retry replaces it: the fault
matrix checks that both orchestrators end with exactly the expected rows or none.
"""

from __future__ import annotations

from shared_logic.orders import ORDERS_COLUMNS, extract_orders, transform_orders
from shared_logic.warehouse import Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = ["SLOW_LOAD_BATCHES", "SLOW_LOAD_TABLE", "expected_slow_load", "load_slowly"]

SLOW_LOAD_TABLE = "slow_load"
SLOW_LOAD_BATCHES = 20


@measured
def load_slowly(rows: list[dict], *, orchestrator: str, seconds: float) -> int:
    """Replace `<orchestrator>.slow_load` with `rows` over about `seconds`, atomically."""
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}: it is how long the load takes")
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, SLOW_LOAD_TABLE, ORDERS_COLUMNS, rows,
                     batches=SLOW_LOAD_BATCHES, pause_s=seconds / (SLOW_LOAD_BATCHES - 1))


def expected_slow_load(n_rows: int = 500, seed: int = 42, seconds: float = 2.0) -> Fingerprint:
    """What a correct run leaves: the same rows as `etl_basic`, however long the load took."""
    return fingerprint_rows(ORDERS_COLUMNS, transform_orders(extract_orders(n_rows, seed)))
