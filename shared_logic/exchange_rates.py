"""The `caching` pair's logic: an expensive exchange-rate lookup whose answer stays good for an hour.

Prefect caches the lookup task's result itself (`cache_policy`, `cache_expiration=RATES_TTL`, the
result persisted under PREFECT_HOME). Airflow has no task cache; its idiom keeps the expensive
answer in the warehouse: the lookup lands its rows in `<orchestrator>.caching_landing`, one
partition per base currency stamped with its landing time, and skips itself while that partition
is younger than `RATES_TTL`; `load` then builds the output table from the landing table. The
output, `<orchestrator>.caching`, holds values only, so both sides' outputs stay comparable (and
the harness may drop it before a run without emptying either cache).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = [
    "CURRENCIES",
    "RATES_COLUMNS",
    "RATES_TTL",
    "expected_caching",
    "fresh_rates_landed",
    "land_rates",
    "landed_rates",
    "load_rates",
    "lookup_rates",
]

RATES_TTL = timedelta(hours=1)  # how long a looked-up answer may be reused, on both sides
LOOKUP_SECONDS = 3.0  # what makes the lookup worth caching
RATES_TABLE = "caching"
LANDING_TABLE = "caching_landing"
RATES_COLUMNS: tuple[Column, ...] = (
    ("base_currency", "CHAR(3) NOT NULL"),
    ("quote_currency", "CHAR(3) NOT NULL"),
    ("rate_micros", "BIGINT NOT NULL"),  # units of quote per unit of base, times 10^6
)
# US cents per unit (fixed, not fetched): the rates must be the same on every run.
_USD_CENTS: dict[str, int] = {
    "USD": 100_00, "EUR": 108_50, "GBP": 127_00, "CHF": 113_00,
    "JPY": 67, "SEK": 9_50, "CAD": 73_50, "AUD": 66_00,
}
CURRENCIES: tuple[str, ...] = tuple(sorted(_USD_CENTS))


def _check_currency(base_currency: str) -> str:
    if base_currency not in _USD_CENTS:
        raise ValueError(f"unknown base currency {base_currency!r}: choose one of {', '.join(CURRENCIES)}")
    return base_currency


def _rates(base_currency: str) -> list[dict]:
    base = _USD_CENTS[_check_currency(base_currency)]
    return [
        {"base_currency": base_currency, "quote_currency": quote,
         "rate_micros": (base * 1_000_000 + cents // 2) // cents}  # rounded half up, integers only
        for quote, cents in sorted(_USD_CENTS.items()) if quote != base_currency
    ]


@measured
def lookup_rates(base_currency: str) -> list[dict]:
    """Rates of every other currency against `base_currency`; slow on purpose, like a paid API call."""
    _check_currency(base_currency)  # a typo fails at once, not after the wait
    time.sleep(LOOKUP_SECONDS)
    return _rates(base_currency)


@measured
def load_rates(rows: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.caching`, the pair's output, with `rows`; returns the row count."""
    return load_rows(warehouse_dsn(), check_orchestrator(orchestrator), RATES_TABLE, RATES_COLUMNS, rows)


def _landing(orchestrator: str) -> Any:
    from psycopg2 import sql

    return sql.Identifier(check_orchestrator(orchestrator), LANDING_TABLE)


def land_rates(rows: list[dict], *, orchestrator: str) -> int:
    """Keep a lookup's answer in `<orchestrator>.caching_landing`, stamped with the time it landed.

    One partition per base currency, replaced in one transaction: the warehouse is Airflow's cache.
    """
    import psycopg2
    from psycopg2 import sql
    from psycopg2.extras import execute_values

    landing = _landing(orchestrator)
    names = [name for name, _ in RATES_COLUMNS]
    conn = psycopg2.connect(warehouse_dsn(), connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{orchestrator}.{LANDING_TABLE}",))
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(orchestrator)))
            columns = [sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in RATES_COLUMNS]
            cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, landed_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                        .format(landing, sql.SQL(", ").join(columns)))
            for base in sorted({row["base_currency"] for row in rows}):
                cur.execute(sql.SQL("DELETE FROM {} WHERE base_currency = %s").format(landing), (base,))
            execute_values(cur, sql.SQL("INSERT INTO {} ({}) VALUES %s").format(
                landing, sql.SQL(", ").join(map(sql.Identifier, names))),
                [tuple(row[name] for name in names) for row in rows])
    finally:
        conn.close()
    return len(rows)


def _query(orchestrator: str, query: Any, params: dict) -> list[tuple]:
    """Rows of `query`, which reads the landing table; none while that table does not exist yet."""
    import psycopg2

    conn = psycopg2.connect(warehouse_dsn(), connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (f'"{check_orchestrator(orchestrator)}"."{LANDING_TABLE}"',))
            if cur.fetchone()[0] is None:
                return []
            cur.execute(query, params)
            return cur.fetchall()
    finally:
        conn.close()


def fresh_rates_landed(base_currency: str, *, orchestrator: str, max_age: timedelta = RATES_TTL) -> bool:
    """Whether rates for `base_currency` landed less than `max_age` ago."""
    from psycopg2 import sql

    query = sql.SQL("SELECT 1 FROM {} WHERE base_currency = %(base)s AND landed_at > now() - %(max_age)s "
                    "LIMIT 1").format(_landing(orchestrator))
    return bool(_query(orchestrator, query, {"base": base_currency, "max_age": max_age}))


def landed_rates(base_currency: str, *, orchestrator: str) -> list[dict]:
    """The landed rates for `base_currency`, as `lookup_rates` returned them."""
    from psycopg2 import sql

    names = [name for name, _ in RATES_COLUMNS]
    query = sql.SQL("SELECT {} FROM {} WHERE base_currency = %(base)s ORDER BY quote_currency").format(
        sql.SQL(", ").join(map(sql.Identifier, names)), _landing(orchestrator))
    rows = [dict(zip(names, values, strict=True)) for values in _query(orchestrator, query, {"base": base_currency})]
    if not rows:
        raise LookupError(f"no rates for {base_currency} in {orchestrator}.{LANDING_TABLE}: "
                          "run the pipeline's expensive_lookup first (it lands them)")
    return rows


def expected_caching(base_currency: str = "EUR") -> Fingerprint:
    """What a correct run leaves, whether its lookup ran, was served from cache, or was skipped."""
    return fingerprint_rows(RATES_COLUMNS, _rates(base_currency))
