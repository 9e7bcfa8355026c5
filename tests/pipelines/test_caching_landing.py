"""The caching pair's landing table in a real PostgreSQL: Airflow's stand-in for a task cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

import shared_logic.exchange_rates as rates
from shared_logic.exchange_rates import (
    CURRENCIES,
    expected_caching,
    fresh_rates_landed,
    land_rates,
    landed_rates,
    load_rates,
    lookup_rates,
)
from shared_logic.warehouse import fingerprint

pytestmark = pytest.mark.pipeline


@pytest.fixture
def instant_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rates, "LOOKUP_SECONDS", 0.0)


@pytest.fixture
def no_landing(warehouse_test_dsn: str) -> Iterator[str]:
    """`airflow.caching_landing` and `airflow.caching` in the test warehouse, absent before and after."""
    import psycopg2

    def drop() -> None:
        conn = psycopg2.connect(warehouse_test_dsn)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS airflow.{rates.LANDING_TABLE}, airflow.{rates.RATES_TABLE}")
        finally:
            conn.close()

    drop()
    yield warehouse_test_dsn
    drop()


def _age_the_landing(dsn: str, hours: float) -> None:
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"UPDATE airflow.{rates.LANDING_TABLE} SET landed_at = now() - %s", (timedelta(hours=hours),))
    finally:
        conn.close()


def test_fresh_only_once_that_currency_landed(no_landing: str, instant_lookup: None) -> None:
    assert not fresh_rates_landed("EUR", orchestrator="airflow")  # no table yet
    assert land_rates(lookup_rates("EUR"), orchestrator="airflow") == len(CURRENCIES) - 1
    assert fresh_rates_landed("EUR", orchestrator="airflow")
    assert not fresh_rates_landed("USD", orchestrator="airflow")


def test_no_longer_fresh_after_the_ttl(no_landing: str, instant_lookup: None) -> None:
    land_rates(lookup_rates("EUR"), orchestrator="airflow")
    _age_the_landing(no_landing, hours=0.5)
    assert fresh_rates_landed("EUR", orchestrator="airflow")
    _age_the_landing(no_landing, hours=1.5)
    assert not fresh_rates_landed("EUR", orchestrator="airflow")
    assert not fresh_rates_landed("EUR", orchestrator="airflow", max_age=timedelta(0))


def test_landing_again_replaces_only_that_currency(no_landing: str, instant_lookup: None) -> None:
    land_rates(lookup_rates("EUR"), orchestrator="airflow")
    land_rates(lookup_rates("USD"), orchestrator="airflow")
    land_rates(lookup_rates("EUR"), orchestrator="airflow")  # a rerun after the TTL: no duplicates
    assert landed_rates("EUR", orchestrator="airflow") == lookup_rates("EUR")
    assert landed_rates("USD", orchestrator="airflow") == lookup_rates("USD")


def test_the_output_built_from_the_landing_table_is_the_expected_one(no_landing: str, instant_lookup: None) -> None:
    land_rates(lookup_rates("CHF"), orchestrator="airflow")
    load_rates(landed_rates("CHF", orchestrator="airflow"), orchestrator="airflow")
    assert fingerprint(no_landing, "airflow", "caching") == expected_caching("CHF")


def test_loading_rates_that_never_landed_says_what_to_run(no_landing: str) -> None:
    with pytest.raises(LookupError, match="no rates for JPY.*expensive_lookup"):
        landed_rates("JPY", orchestrator="airflow")
