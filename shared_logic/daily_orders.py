"""The `scheduled_daily` pair's logic: the lesson's 06:00 daily ETL, loading the orders of one day.

Which day a run loads is decided once, here, for both orchestrators (`resolve_run_date`):
an explicit `run_date` parameter wins; else a run the schedule created loads the day of its
scheduled time (Airflow's logical date, Prefect's scheduled start time); else (a manual run, which
has no scheduled slot) it loads `REFERENCE_DAY`. The lesson's Prefect 2 flow used
`datetime.now()` for that last case: two runs seconds apart around midnight, or on the two
orchestrators, could then load different days, and no expected output could be computed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared_logic.orders import ORDERS_COLUMNS, extract_orders, transform_orders
from shared_logic.warehouse import Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = [
    "REFERENCE_DAY",
    "expected_scheduled_daily",
    "extract_day_orders",
    "load_day_orders",
    "resolve_run_date",
]

REFERENCE_DAY = "2024-06-03"
ORDERS_PER_DAY = 120
TABLE = "scheduled_daily"


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"run_date must be a day as YYYY-MM-DD (e.g. {REFERENCE_DAY}), got {text!r}") from None


@measured
def resolve_run_date(run_date: str | None, scheduled_for: datetime | None) -> str:
    """The day (YYYY-MM-DD) a run loads: `run_date`, else the scheduled slot's UTC day, else REFERENCE_DAY."""
    if run_date:
        return _parse_day(run_date).isoformat()
    if scheduled_for is not None:
        if scheduled_for.tzinfo is None:
            raise ValueError(f"scheduled_for must carry its time zone, got naive {scheduled_for.isoformat()}")
        return scheduled_for.astimezone(UTC).date().isoformat()
    return REFERENCE_DAY


@measured
def extract_day_orders(day: str, n_rows: int = ORDERS_PER_DAY) -> list[dict]:
    """The raw orders placed on `day`: the same for the same day, different from day to day."""
    when = _parse_day(day)
    rows = extract_orders(n_rows=n_rows, seed=when.toordinal())
    return [row | {"order_date": when.isoformat()} for row in rows]


@measured
def load_day_orders(rows: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.scheduled_daily` with the day's cleaned orders; returns the row count."""
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, TABLE, ORDERS_COLUMNS, rows)


def expected_scheduled_daily(run_date: str | None = None) -> Fingerprint:
    """What a manual run (no scheduled slot) with `run_date` loads."""
    day = resolve_run_date(run_date, None)
    return fingerprint_rows(ORDERS_COLUMNS, transform_orders(extract_day_orders(day)))
