"""The `caching` pair's logic: an expensive exchange-rate lookup whose answer stays good for an hour.

Prefect caches the lookup task's result itself (`cache_policy`, `cache_expiration=RATES_TTL`).
Airflow has no task cache; its idiom is to look in the warehouse: when rates for the base currency
were loaded less than `RATES_TTL` ago, the lookup task skips itself and its downstream load.
`load_rates` therefore logs each load in `<orchestrator>.caching_loads` (key, time) next to the
output table, which holds only values, so both sides' outputs stay comparable.
"""

from __future__ import annotations

import time
from datetime import timedelta

from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn

__all__ = [
    "CURRENCIES",
    "RATES_COLUMNS",
    "RATES_TTL",
    "expected_caching",
    "fresh_rates_loaded",
    "load_rates",
    "lookup_rates",
]

RATES_TTL = timedelta(hours=1)  # how long a looked-up answer may be reused, on both sides
LOOKUP_SECONDS = 3.0  # what makes the lookup worth caching
RATES_TABLE = "caching"
LOADS_TABLE = "caching_loads"
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


def lookup_rates(base_currency: str) -> list[dict]:
    """Rates of every other currency against `base_currency`; slow on purpose, like a paid API call."""
    _check_currency(base_currency)  # a typo fails at once, not after the wait
    time.sleep(LOOKUP_SECONDS)
    return _rates(base_currency)


def load_rates(rows: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.caching` with `rows`, then log the load time of their base currency.

    The log is written after the rows: a crash in between costs one lookup too many, never a skip
    of rates that are not there.
    """
    import psycopg2
    from psycopg2 import sql

    schema = check_orchestrator(orchestrator)
    dsn = warehouse_dsn()
    count = load_rows(dsn, schema, RATES_TABLE, RATES_COLUMNS, rows)
    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            log = sql.Identifier(schema, LOADS_TABLE)
            cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (base_currency CHAR(3) PRIMARY KEY, "
                                "loaded_at TIMESTAMPTZ NOT NULL)").format(log))
            upsert = sql.SQL("INSERT INTO {} VALUES (%s, now()) ON CONFLICT (base_currency) "
                             "DO UPDATE SET loaded_at = excluded.loaded_at").format(log)
            for base in sorted({row["base_currency"] for row in rows}):
                cur.execute(upsert, (base,))
    finally:
        conn.close()
    return count


def fresh_rates_loaded(base_currency: str, *, orchestrator: str, max_age: timedelta = RATES_TTL) -> bool:
    """Whether `<orchestrator>.caching` holds rates for `base_currency` loaded less than `max_age` ago."""
    import psycopg2
    from psycopg2 import sql

    schema = check_orchestrator(orchestrator)
    conn = psycopg2.connect(warehouse_dsn(), connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL",
                        (f'"{schema}"."{RATES_TABLE}"', f'"{schema}"."{LOADS_TABLE}"'))
            if not cur.fetchone()[0]:
                return False
            cur.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM {log} WHERE base_currency = %(base)s "
                        "AND loaded_at > now() - %(max_age)s) "
                        "AND EXISTS (SELECT 1 FROM {rates} WHERE base_currency = %(base)s)").format(
                    log=sql.Identifier(schema, LOADS_TABLE), rates=sql.Identifier(schema, RATES_TABLE)),
                {"base": base_currency, "max_age": max_age})
            return bool(cur.fetchone()[0])
    finally:
        conn.close()


def expected_caching(base_currency: str = "EUR") -> Fingerprint:
    """What a correct run leaves, whether its lookup ran, was served from cache, or was skipped."""
    return fingerprint_rows(RATES_COLUMNS, _rates(base_currency))
