"""The concurrency_limits pair's logic: peak overlap computed right, and one definition of the limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared_logic.shared_resource import (
    SHARED_RESOURCE,
    SHARED_RESOURCE_SLOTS,
    expected_concurrency_limits,
    hold_resource,
    peak_overlap,
    usage_rows,
    work_items,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def _usage(item: int, start: float, end: float) -> dict:
    return {"item": item, "result": f"item-{item:03d}-done", "start": start, "end": end}


def test_peak_overlap_counts_holders_at_the_busiest_instant() -> None:
    two_at_a_time = [_usage(1, 0, 1), _usage(2, 0, 1), _usage(3, 1, 2), _usage(4, 1.5, 2.5)]
    assert peak_overlap(two_at_a_time) == 2
    assert peak_overlap([_usage(i, 0, 1) for i in range(6)]) == 6
    assert peak_overlap([]) == 0


def test_a_slot_handed_over_at_the_same_instant_is_not_two_holders() -> None:
    assert peak_overlap([_usage(1, 0.0, 1.0), _usage(2, 1.0, 2.0)]) == 1


def test_rows_say_whether_the_limit_held_without_timestamps() -> None:
    within = usage_rows([_usage(1, 0, 1), _usage(2, 0, 1), _usage(3, 1, 2)])
    assert {row["limit_held"] for row in within} == {"true"}
    assert all(set(row) == {"item", "result", "limit_held"} for row in within)
    over = usage_rows([_usage(i, 0, 1) for i in range(1, SHARED_RESOURCE_SLOTS + 2)])
    assert {row["limit_held"] for row in over} == {"false"}


def test_holding_the_resource_records_when() -> None:
    usage = hold_resource(3, hold_seconds=0.01)
    assert usage["item"] == 3 and usage["end"] - usage["start"] >= 0.01
    with pytest.raises(ValueError, match="hold_seconds must be >= 0"):
        hold_resource(1, hold_seconds=-1)


def test_expected_output_is_every_item_within_the_limit() -> None:
    assert expected_concurrency_limits(6)["rows"] == 6
    assert expected_concurrency_limits(6) != expected_concurrency_limits(5)
    with pytest.raises(ValueError, match="n_items must be >= 1"):
        work_items(0)


def test_the_pools_file_declares_the_limit_both_orchestrators_get() -> None:
    """config/pools.json is imported as an Airflow pool and mirrored as a Prefect concurrency limit."""
    pools = json.loads((REPO_ROOT / "config" / "pools.json").read_text())
    assert pools[SHARED_RESOURCE]["slots"] == SHARED_RESOURCE_SLOTS
    assert all({"slots", "description"} <= set(pool) for pool in pools.values()), "`airflow pools import` needs both"

