"""The basic ETL's business logic: make a dirty orders feed, clean it, load it.

Both `airflow_dags/etl_basic.py` and `prefect_flows/etl_basic.py` call these
functions and nothing else, so any difference the lab measures between them is
the orchestrator's, not the pipeline's.

Rows are plain dicts of `str`, `int` and `None` only: they travel through
Airflow XCom and Prefect task results, and both must serialise them as JSON.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

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
    "ETL_BASIC_TABLE",
    "ORDERS_COLUMNS",
    "expected_etl_basic",
    "extract_orders",
    "load_orders",
    "transform_orders",
]

# The cleaned table, in the order the columns are created, loaded and hashed.
ORDERS_COLUMNS: tuple[Column, ...] = (
    ("order_id", "TEXT PRIMARY KEY"),
    ("order_date", "DATE NOT NULL"),
    ("customer_email", "TEXT NOT NULL"),
    ("country", "CHAR(2) NOT NULL"),
    ("quantity", "INTEGER NOT NULL"),
    ("unit_price_cents", "INTEGER NOT NULL"),
    ("total_cents", "BIGINT NOT NULL"),
)

# Table name = pair name; the schema is the orchestrator ('airflow' or 'prefect').
ETL_BASIC_TABLE = "etl_basic"

_FIRST_NAMES = ("ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "dennis")
_LAST_NAMES = ("lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "liskov")
_DOMAINS = ("example.com", "example.org", "mail.test")
_COUNTRIES = ("DE", "FR", "GB", "US", "NL", "ES", "IT", "SE")
_FIRST_DAY = date(2024, 1, 1)  # fixed, not today: the dataset must not depend on the clock


def _format_price(cents: int, *, thousands: bool = False) -> str:
    """Render cents as the feed does: '1234.50', or dirty ' 1,234.50 '."""
    whole = f"{cents // 100:,}" if thousands else str(cents // 100)
    return f"{whole}.{cents % 100:02d}"


@measured
def extract_orders(n_rows: int = 500, seed: int = 42) -> list[dict]:
    """Return `n_rows` raw orders, the same for the same seed, with ~10 % dirty rows.

    Dirt that `transform_orders` must drop: missing or blank email, zero or
    negative quantity, unparseable price, exact duplicates of earlier rows.
    Dirt it must repair: email and country case/whitespace, prices with
    spaces and thousands separators.
    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    rng = random.Random(seed)  # own generator: never touches the global random state
    rows: list[dict] = []
    next_id = 1
    while len(rows) < n_rows:
        if rows and rng.random() < 0.02:
            rows.append(dict(rng.choice(rows)))  # an exact re-delivery of an earlier order
            continue
        cents = rng.randint(199, 250_000)
        row = {
            "order_id": f"ORD-{next_id:06d}",
            "order_date": (_FIRST_DAY + timedelta(days=rng.randrange(366))).isoformat(),
            "customer_email": (
                f"{rng.choice(_FIRST_NAMES)}.{rng.choice(_LAST_NAMES)}{rng.randint(1, 99)}@{rng.choice(_DOMAINS)}"
            ),
            "country": rng.choice(_COUNTRIES),
            "quantity": rng.randint(1, 12),
            "unit_price": _format_price(cents),
        }
        next_id += 1
        dirt = rng.random()
        if dirt < 0.015:
            row["customer_email"] = None
        elif dirt < 0.03:
            row["customer_email"] = "   "
        elif dirt < 0.05:
            row["quantity"] = rng.choice((0, -1, -3))
        elif dirt < 0.06:
            row["unit_price"] = rng.choice(("N/A", "", "12.3.4"))
        elif dirt < 0.08:
            row["unit_price"] = f"  {_format_price(cents, thousands=True)} "
        elif dirt < 0.10:
            row["country"] = f" {row['country'].capitalize()} "
        elif dirt < 0.11:
            row["customer_email"] = f"  {row['customer_email'].title()} "
        rows.append(row)
    return rows


def _parse_price_cents(raw: object) -> int | None:
    """Parse '1,234.50' -> 123450 exactly (Decimal, never float); None if unusable."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return None
    text = str(raw).replace(",", "").replace(" ", "")
    try:
        price = Decimal(text)
    except InvalidOperation:
        return None
    if not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.01")):
        return None
    return int(price * 100)


def _clean_order(row: dict) -> dict | None:
    """Return the cleaned order, or None when no repair can make it valid."""
    email = (row.get("customer_email") or "").strip().lower()
    country = (row.get("country") or "").strip().upper()
    quantity = row.get("quantity")
    unit_price_cents = _parse_price_cents(row.get("unit_price"))
    if "@" not in email or len(country) != 2 or not country.isalpha():
        return None
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        return None
    if unit_price_cents is None:
        return None
    return {
        "order_id": str(row["order_id"]).strip(),
        "order_date": date.fromisoformat(str(row["order_date"])).isoformat(),
        "customer_email": email,
        "country": country,
        "quantity": quantity,
        "unit_price_cents": unit_price_cents,
        "total_cents": quantity * unit_price_cents,
    }


@measured
def transform_orders(rows: list[dict]) -> list[dict]:
    """Validate, repair and de-duplicate raw orders; keeps the first valid copy of each id."""
    cleaned: dict[str, dict] = {}
    for row in rows:
        order = _clean_order(row)
        if order is not None and order["order_id"] not in cleaned:
            cleaned[order["order_id"]] = order
    return list(cleaned.values())


@measured
def load_orders(rows: list[dict], *, orchestrator: str, table: str = ETL_BASIC_TABLE) -> int:
    """Replace `<orchestrator>.<table>` with `rows` in the lab warehouse; returns the row count.

    Each orchestrator writes its own schema so the two runs never touch each
    other's output and the harness can compare them afterwards.
    """
    schema = check_orchestrator(orchestrator)  # a typo fails before any connection is attempted
    return load_rows(warehouse_dsn(), schema, table, ORDERS_COLUMNS, rows)


def expected_etl_basic(n_rows: int = 500, seed: int = 42) -> Fingerprint:
    """The fingerprint a correct `etl_basic` run must leave, computed without any orchestrator."""
    return fingerprint_rows(ORDERS_COLUMNS, transform_orders(extract_orders(n_rows, seed)))
