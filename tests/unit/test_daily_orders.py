"""The scheduled_daily pair's logic: which day a run loads, and one schedule on both sides."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared_logic.daily_orders import REFERENCE_DAY, expected_scheduled_daily, extract_day_orders, resolve_run_date

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_an_explicit_run_date_wins() -> None:
    slot = datetime(2025, 3, 4, 6, tzinfo=UTC)
    assert resolve_run_date("2024-02-29", slot) == "2024-02-29"


def test_a_scheduled_run_loads_the_utc_day_of_its_slot() -> None:
    assert resolve_run_date(None, datetime(2025, 3, 4, 6, tzinfo=UTC)) == "2025-03-04"
    # 01:00 in UTC+2 is still the previous day in UTC.
    assert resolve_run_date(None, datetime(2025, 3, 5, 1, tzinfo=timezone(timedelta(hours=2)))) == "2025-03-04"


def test_a_manual_run_without_a_date_loads_the_reference_day() -> None:
    assert resolve_run_date(None, None) == resolve_run_date("", None) == REFERENCE_DAY


def test_bad_dates_say_the_format() -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_run_date("03/04/2025", None)
    with pytest.raises(ValueError, match="time zone"):
        resolve_run_date(None, datetime(2025, 3, 4, 6))


def test_each_day_has_its_own_orders_all_dated_that_day() -> None:
    monday, tuesday = extract_day_orders("2024-06-03"), extract_day_orders("2024-06-04")
    assert {row["order_date"] for row in monday} == {"2024-06-03"}
    assert [r["order_id"] for r in monday] == [r["order_id"] for r in extract_day_orders("2024-06-03")]
    assert monday != tuesday
    assert expected_scheduled_daily() == expected_scheduled_daily(REFERENCE_DAY)
    assert expected_scheduled_daily() != expected_scheduled_daily("2024-06-04")


def _airflow_schedule() -> str:
    tree = ast.parse((REPO_ROOT / "airflow_dags" / "scheduled_daily.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "schedule":
            return ast.literal_eval(node.value)
    raise AssertionError("airflow_dags/scheduled_daily.py has no schedule=")


def test_prefect_yaml_and_the_dag_declare_the_same_cron() -> None:
    """The live test checks the servers agree on the next run; this catches a drift before that."""
    # The lab's environment has no YAML parser: the entry is read as text (the Prefect deploy job parses it).
    text = (REPO_ROOT / "prefect_flows" / "prefect.yaml").read_text()
    (entry,) = [e for e in re.split(r"^\s*- name:\s*", text, flags=re.M) if e.startswith("scheduled_daily\n")]
    assert re.findall(r'cron:\s*"([^"]+)"', entry) == [_airflow_schedule()]
    assert re.findall(r"timezone:\s*(\S+)", entry) == ["UTC"]
