"""The parallel_files pair: a folder of daily order files, summarised one by one and combined."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared_logic.order_files import (
    DEMO_DAYS,
    combine_summaries,
    demo_files,
    expected_parallel_files,
    list_order_files,
    summarise_order_file,
)
from shared_logic.orders import extract_orders, transform_orders


def test_listing_an_empty_folder_writes_the_demo_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    paths = list_order_files(str(folder))
    assert [Path(p).name for p in paths] == sorted(demo_files()) and len(paths) == DEMO_DAYS
    assert all(Path(p).read_text() == demo_files()[Path(p).name] for p in paths)
    assert demo_files() == demo_files()  # the same bytes on every call


def test_listing_again_rewrites_nothing_but_restores_a_changed_file(tmp_path: Path) -> None:
    first = Path(list_order_files(str(tmp_path))[0])
    os.utime(first, (1, 1))
    list_order_files(str(tmp_path))
    assert first.stat().st_mtime == 1  # untouched
    first.write_text("order_id\n")
    list_order_files(str(tmp_path))
    assert first.read_text() == demo_files()[first.name]


def test_other_csv_files_in_the_folder_are_listed_too(tmp_path: Path) -> None:
    (tmp_path / "zz-extra.csv").write_text("order_id,order_date,customer_email,country,quantity,unit_price\n")
    (tmp_path / "notes.txt").write_text("not an order file")
    names = [Path(p).name for p in list_order_files(str(tmp_path))]
    assert names[-1] == "zz-extra.csv" and "notes.txt" not in names and len(names) == DEMO_DAYS + 1


def test_a_file_summary_equals_cleaning_its_orders_in_memory(tmp_path: Path) -> None:
    """CSV turns every value into text; the summary must not lose or gain an order on the way."""
    path = list_order_files(str(tmp_path))[0]
    orders = transform_orders(extract_orders(60, seed=1001))
    summary = summarise_order_file(path)
    assert sum(row["orders"] for row in summary) == len(orders)
    assert sum(row["total_cents"] for row in summary) == sum(order["total_cents"] for order in orders)
    assert {row["country"] for row in summary} == {order["country"] for order in orders}


def test_combine_adds_up_per_country() -> None:
    a = [{"country": "DE", "files": 1, "orders": 2, "total_cents": 100},
         {"country": "FR", "files": 1, "orders": 1, "total_cents": 50}]
    b = [{"country": "DE", "files": 1, "orders": 3, "total_cents": 7}]
    assert combine_summaries([a, b, []]) == [
        {"country": "DE", "files": 2, "orders": 5, "total_cents": 107},
        {"country": "FR", "files": 1, "orders": 1, "total_cents": 50},
    ]


def test_expected_output_is_the_same_from_the_folder_or_from_the_demo_files(tmp_path: Path) -> None:
    from_demo = expected_parallel_files(str(tmp_path / "not-there"))
    list_order_files(str(tmp_path))
    assert expected_parallel_files(str(tmp_path)) == from_demo
    assert from_demo["rows"] >= 1


def test_an_empty_or_unwritable_folder_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="folder is empty"):
        list_order_files("")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OSError, match="cannot write the demo order files.*`folder` parameter"):
        list_order_files(str(blocker / "sub"))
