"""The caching pair: a slow, deterministic lookup, and the warehouse check Airflow skips it by."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

import shared_logic.exchange_rates as rates
from shared_logic.exchange_rates import (
    CURRENCIES,
    RATES_COLUMNS,
    expected_caching,
    fresh_rates_loaded,
    load_rates,
    lookup_rates,
)
from shared_logic.warehouse import fingerprint, fingerprint_rows


@pytest.fixture
def instant_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rates, "LOOKUP_SECONDS", 0.0)


def test_rates_are_integers_against_every_other_currency(instant_lookup: None) -> None:
    eur = lookup_rates("EUR")
    assert [row["quote_currency"] for row in eur] == [c for c in CURRENCIES if c != "EUR"]
    assert all(isinstance(row["rate_micros"], int) and row["rate_micros"] > 0 for row in eur)
    assert eur == lookup_rates("EUR")


def test_rates_are_consistent_both_ways(instant_lookup: None) -> None:
    eur_usd = next(r["rate_micros"] for r in lookup_rates("EUR") if r["quote_currency"] == "USD")
    usd_eur = next(r["rate_micros"] for r in lookup_rates("USD") if r["quote_currency"] == "EUR")
    assert eur_usd * usd_eur == pytest.approx(10**12, rel=1e-5)


def test_the_lookup_is_slow_but_a_bad_currency_fails_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match="unknown base currency 'XYZ'.*EUR"):
        lookup_rates("XYZ")
    assert time.monotonic() - started < rates.LOOKUP_SECONDS / 2


# --- the warehouse check (Airflow's stand-in for a task cache) -------------------------------


@pytest.fixture
def clean_airflow_tables(warehouse_test_dsn: str) -> Iterator[str]:
    """`airflow.caching` and its load log in the test warehouse, absent before and after."""
    import psycopg2

    def drop() -> None:
        conn = psycopg2.connect(warehouse_test_dsn)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS airflow.{rates.RATES_TABLE}, airflow.{rates.LOADS_TABLE}")
        finally:
            conn.close()

    drop()
    yield warehouse_test_dsn
    drop()


def _age_the_load(dsn: str, hours: float) -> None:
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"UPDATE airflow.{rates.LOADS_TABLE} SET loaded_at = now() - %s", (timedelta(hours=hours),))
    finally:
        conn.close()


def test_fresh_only_after_a_load_of_that_currency(clean_airflow_tables: str, instant_lookup: None) -> None:
    assert not fresh_rates_loaded("EUR", orchestrator="airflow")  # no tables yet
    assert load_rates(lookup_rates("EUR"), orchestrator="airflow") == len(CURRENCIES) - 1
    assert fresh_rates_loaded("EUR", orchestrator="airflow")
    assert not fresh_rates_loaded("USD", orchestrator="airflow")
    assert fingerprint(clean_airflow_tables, "airflow", "caching") == expected_caching("EUR")


def test_no_longer_fresh_after_the_ttl(clean_airflow_tables: str, instant_lookup: None) -> None:
    load_rates(lookup_rates("EUR"), orchestrator="airflow")
    _age_the_load(clean_airflow_tables, hours=0.5)
    assert fresh_rates_loaded("EUR", orchestrator="airflow")
    _age_the_load(clean_airflow_tables, hours=1.5)
    assert not fresh_rates_loaded("EUR", orchestrator="airflow")
    assert not fresh_rates_loaded("EUR", orchestrator="airflow", max_age=timedelta(0))


def test_not_fresh_once_another_currency_replaced_the_table(clean_airflow_tables: str, instant_lookup: None) -> None:
    load_rates(lookup_rates("EUR"), orchestrator="airflow")
    load_rates(lookup_rates("USD"), orchestrator="airflow")
    assert not fresh_rates_loaded("EUR", orchestrator="airflow")  # logged recently, but its rows are gone
    assert fresh_rates_loaded("USD", orchestrator="airflow")


def test_expected_output_is_the_lookup_of_that_currency(instant_lookup: None) -> None:
    assert expected_caching("GBP") == fingerprint_rows(RATES_COLUMNS, lookup_rates("GBP"))
    assert expected_caching("GBP") != expected_caching("EUR")
