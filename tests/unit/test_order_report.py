"""The parameters pair's report: each parameter changes the output, and bad values are named."""

from __future__ import annotations

import pytest

from shared_logic.order_report import (
    GRANULARITIES,
    check_report_parameters,
    expected_parameters,
    period_of,
    summarise_orders,
)
from shared_logic.orders import extract_orders, transform_orders


@pytest.mark.parametrize(("granularity", "period"), [("day", "2024-03-05"), ("week", "2024-W10"), ("month", "2024-03")])
def test_periods(granularity: str, period: str) -> None:
    assert period_of("2024-03-05", granularity) == period


def test_iso_weeks_cross_year_ends() -> None:
    assert period_of("2024-12-30", "week") == "2025-W01"


def test_the_report_totals_the_cleaned_orders() -> None:
    rows = extract_orders(400, seed=3)
    orders = transform_orders(rows)
    for granularity in GRANULARITIES:
        report = summarise_orders(rows, granularity, "ALL")
        assert sum(r["orders"] for r in report) == len(orders)
        assert sum(r["revenue_cents"] for r in report) == sum(o["total_cents"] for o in orders)
    german = summarise_orders(rows, "month", "DE")
    assert {r["country"] for r in german} == {"DE"}
    assert sum(r["orders"] for r in german) == sum(o["country"] == "DE" for o in orders)


def test_every_parameter_changes_the_expected_output() -> None:
    base = expected_parameters()
    assert base != expected_parameters(n_rows=499)
    assert base != expected_parameters(granularity="week")
    assert base != expected_parameters(country="FR")


@pytest.mark.parametrize(("params", "named"), [
    ({"n_rows": 0}, "n_rows"), ({"n_rows": 100_001}, "n_rows"), ({"n_rows": True}, "n_rows"),
    ({"granularity": "year"}, "granularity"), ({"country": "de"}, "country"),
])
def test_bad_parameters_are_named(params: dict, named: str) -> None:
    given = {"n_rows": 500, "granularity": "month", "country": "ALL"} | params
    with pytest.raises(ValueError, match=rf"^{named} must be"):
        check_report_parameters(**given)
