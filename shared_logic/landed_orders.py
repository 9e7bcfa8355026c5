"""The event-driven pair's logic: one pipeline lands raw orders, their landing starts another.

The producer (`event_driven`) extracts the `etl_basic` feed and lands it as it came, dirt and
duplicates included, in `<orchestrator>.event_driven_landing`; the consumer
(`event_driven_consumer`), started by the orchestrator when that data lands, reads the landing
table back, cleans it with `transform_orders` and loads `<orchestrator>.event_driven`. The
consumer's table is the pair's output, so the expected answer is `etl_basic`'s for the
producer's parameters.

The landing table keeps each row's position in the feed: the consumer reads the rows back in
the order they were extracted, as if handed over in memory.
"""

from __future__ import annotations

from shared_logic.orders import ORDERS_COLUMNS, extract_orders, transform_orders
from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = [
    "EVENT_DRIVEN_TABLE",
    "LANDING_COLUMNS",
    "LANDING_TABLE",
    "expected_event_driven",
    "land_orders",
    "land_rows",
    "read_landed_orders",
    "read_landed_rows",
]

#: The consumer's output (table = pair name) and the producer's landing table, in each orchestrator's schema.
EVENT_DRIVEN_TABLE = "event_driven"
LANDING_TABLE = "event_driven_landing"

# Raw rows as extracted: no constraint, since dirty rows and re-deliveries must land too.
LANDING_COLUMNS: tuple[Column, ...] = (
    ("position", "INTEGER NOT NULL"),
    ("order_id", "TEXT"),
    ("order_date", "TEXT"),
    ("customer_email", "TEXT"),
    ("country", "TEXT"),
    ("quantity", "INTEGER"),
    ("unit_price", "TEXT"),
)
_RAW_NAMES = tuple(name for name, _ in LANDING_COLUMNS if name != "position")


def land_rows(dsn: str, schema: str, rows: list[dict]) -> int:
    """Replace `<schema>.event_driven_landing` with `rows`, numbered in order, in one transaction."""
    numbered = [{"position": index, **{name: row.get(name) for name in _RAW_NAMES}} for index, row in enumerate(rows)]
    return load_rows(dsn, schema, LANDING_TABLE, LANDING_COLUMNS, numbered)


def read_landed_rows(dsn: str, schema: str) -> list[dict]:
    """The rows of `<schema>.event_driven_landing` in the order they were landed."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY position").format(
                sql.SQL(", ").join(map(sql.Identifier, _RAW_NAMES)), sql.Identifier(schema, LANDING_TABLE)))
            return [dict(zip(_RAW_NAMES, values, strict=True)) for values in cur.fetchall()]
    finally:
        conn.close()


@measured
def land_orders(rows: list[dict], *, orchestrator: str) -> int:
    """The producer's last step: land the raw orders where the consumer will read them."""
    return land_rows(warehouse_dsn(), check_orchestrator(orchestrator), rows)


@measured
def read_landed_orders(*, orchestrator: str) -> list[dict]:
    """The consumer's first step: the raw orders the producer landed."""
    return read_landed_rows(warehouse_dsn(), check_orchestrator(orchestrator))


def expected_event_driven(n_rows: int = 500, seed: int = 42) -> Fingerprint:
    """What the consumer leaves in `<orchestrator>.event_driven` after a producer run with these parameters."""
    return fingerprint_rows(ORDERS_COLUMNS, transform_orders(extract_orders(n_rows, seed)))
