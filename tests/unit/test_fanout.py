"""The dynamic_fanout pair: a run-time work list within Airflow's mapping limit, one row per item."""

from __future__ import annotations

import pytest

from shared_logic.fanout import (
    FANOUT_COLUMNS,
    MAX_ITEMS,
    list_work_items,
    score_item,
)


def test_the_work_list_has_n_distinct_items_in_order() -> None:
    items = list_work_items(25)
    assert len(set(items)) == 25 and items == sorted(items)
    assert len(list_work_items(MAX_ITEMS)) == MAX_ITEMS


@pytest.mark.parametrize("n_items", [0, MAX_ITEMS + 1, True])
def test_a_list_airflow_could_not_map_is_refused_on_both_sides(n_items: int) -> None:
    with pytest.raises(ValueError, match=rf"between 1 and {MAX_ITEMS}.*max_map_length"):
        list_work_items(n_items)


def test_scores_are_deterministic_and_json_safe() -> None:
    row = score_item("item-0001")
    assert row == score_item("item-0001") and row != score_item("item-0002")
    assert set(row) == {name for name, _ in FANOUT_COLUMNS} and 0 <= row["score"] < 1000
