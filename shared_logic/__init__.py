"""Business logic shared by the Airflow DAGs and the Prefect flows.

Plain Python, no orchestrator import: both sides call the same functions, so a
difference the lab measures is the orchestrator's. Each orchestrator loads into
the warehouse schema of its name, table = pair name (e.g. `prefect.etl_basic`).
"""

from shared_logic.expected import EXPECTATIONS, Expectation, expectation, expected_fingerprint
from shared_logic.landed_orders import EVENT_DRIVEN_TABLE, land_orders, read_landed_orders
from shared_logic.orders import (
    ORDERS_COLUMNS,
    expected_etl_basic,
    extract_orders,
    load_orders,
    transform_orders,
)
from shared_logic.warehouse import (
    ORCHESTRATORS,
    Fingerprint,
    TableMissingError,
    WarehouseError,
    WarehouseNotConfiguredError,
    fingerprint,
    fingerprint_rows,
    load_rows,
    warehouse_dsn,
)

__all__ = [
    "EVENT_DRIVEN_TABLE",
    "EXPECTATIONS",
    "Expectation",
    "ORCHESTRATORS",
    "ORDERS_COLUMNS",
    "Fingerprint",
    "TableMissingError",
    "WarehouseError",
    "WarehouseNotConfiguredError",
    "expectation",
    "expected_etl_basic",
    "expected_fingerprint",
    "extract_orders",
    "fingerprint",
    "fingerprint_rows",
    "land_orders",
    "load_rows",
    "load_orders",
    "read_landed_orders",
    "transform_orders",
    "warehouse_dsn",
]
