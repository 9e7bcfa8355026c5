"""A revenue report whose shape is chosen by typed, validated parameters.

`airflow_dags/parameters.py` declares the parameters as Airflow `Param`s (JSON schema) and
`prefect_flows/parameters.py` as type hints (pydantic); both orchestrators reject a bad value
before any task runs. The constants here are the allowed values both files declare; the report
checks them again, so a run that bypassed the orchestrator's validation still fails loudly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

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
    "COUNTRIES",
    "GRANULARITIES",
    "MAX_ROWS",
    "MIN_ROWS",
    "REPORT_COLUMNS",
    "REPORT_TABLE",
    "check_report_parameters",
    "expected_parameters",
    "load_report",
    "period_of",
    "summarise_orders",
]

MIN_ROWS, MAX_ROWS = 1, 100_000
GRANULARITIES = ("day", "week", "month")
COUNTRIES = ("ALL", "DE", "ES", "FR", "GB", "IT", "NL", "SE", "US")  # ALL: no country filter

REPORT_COLUMNS: tuple[Column, ...] = (
    ("period", "TEXT NOT NULL"),
    ("country", "TEXT NOT NULL"),
    ("orders", "INTEGER NOT NULL"),
    ("revenue_cents", "BIGINT NOT NULL"),
)
REPORT_TABLE = "parameters"


def _check_choices(granularity: str, country: str) -> None:
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
    if country not in COUNTRIES:
        raise ValueError(f"country must be one of {COUNTRIES}, got {country!r}")


def check_report_parameters(n_rows: int, granularity: str, country: str) -> None:
    """Raise ValueError naming the first parameter outside what both pipeline files declare."""
    if isinstance(n_rows, bool) or not isinstance(n_rows, int) or not MIN_ROWS <= n_rows <= MAX_ROWS:
        raise ValueError(f"n_rows must be an integer from {MIN_ROWS} to {MAX_ROWS}, got {n_rows!r}")
    _check_choices(granularity, country)


def period_of(order_date: str, granularity: str) -> str:
    """'2024-03-05' as its day ('2024-03-05'), ISO week ('2024-W10') or month ('2024-03')."""
    day = date.fromisoformat(order_date)
    if granularity == "day":
        return day.isoformat()
    if granularity == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity == "month":
        return f"{day.year}-{day.month:02d}"
    raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")


@measured
def summarise_orders(rows: list[dict], granularity: str = "month", country: str = "ALL") -> list[dict]:
    """Clean raw orders, keep one country (or ALL) and total them per period."""
    _check_choices(granularity, country)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for order in transform_orders(rows):
        if country in ("ALL", order["country"]):
            bucket = totals[period_of(order["order_date"], granularity)]
            bucket[0] += 1
            bucket[1] += order["total_cents"]
    return [{"period": period, "country": country, "orders": n, "revenue_cents": cents}
            for period, (n, cents) in sorted(totals.items())]


@measured
def load_report(rows: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.parameters` with the report rows."""
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, REPORT_TABLE, REPORT_COLUMNS, rows)


def expected_parameters(n_rows: int = 500, granularity: str = "month", country: str = "ALL") -> Fingerprint:
    """The fingerprint a correct `parameters` run with these parameters leaves."""
    check_report_parameters(n_rows, granularity, country)
    return fingerprint_rows(REPORT_COLUMNS, summarise_orders(extract_orders(n_rows), granularity, country))
