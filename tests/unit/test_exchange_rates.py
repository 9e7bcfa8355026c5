"""The caching pair's slow, deterministic lookup (the landing table is in tests/pipelines/test_caching_landing.py)."""

from __future__ import annotations

import time

import pytest

import shared_logic.exchange_rates as rates
from shared_logic.exchange_rates import (
    CURRENCIES,
    RATES_COLUMNS,
    expected_caching,
    lookup_rates,
)
from shared_logic.warehouse import fingerprint_rows


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


def test_expected_output_is_the_lookup_of_that_currency(instant_lookup: None) -> None:
    assert expected_caching("GBP") == fingerprint_rows(RATES_COLUMNS, lookup_rates("GBP"))
    assert expected_caching("GBP") != expected_caching("EUR")
