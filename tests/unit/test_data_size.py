"""The conditional pair's rule: the data size picks the branch, and both branches agree on the data."""

from __future__ import annotations

import pytest

from shared_logic.data_size import (
    LARGE_FROM_ROWS,
    expected_conditional,
    process_in_chunks,
    process_in_memory,
    size_class,
)
from shared_logic.orders import extract_orders


def test_the_threshold_separates_small_from_large() -> None:
    assert size_class(0) == size_class(LARGE_FROM_ROWS - 1) == "small"
    assert size_class(LARGE_FROM_ROWS) == size_class(10 * LARGE_FROM_ROWS) == "large"
    with pytest.raises(ValueError, match="row_count must be >= 0"):
        size_class(-1)


@pytest.mark.parametrize("chunk_rows", [1, 7, 250, 5000])
def test_chunked_processing_gives_the_same_orders_as_one_pass(chunk_rows: int) -> None:
    rows = extract_orders(600, seed=3)  # with duplicates that straddle chunk borders
    small, large = process_in_memory(rows), process_in_chunks(rows, chunk_rows)
    assert (small["branch"], large["branch"]) == ("small", "large")
    assert {k: v for k, v in small.items() if k != "branch"} == {k: v for k, v in large.items() if k != "branch"}
    assert 0 < small["rows_out"] < small["rows_in"] == 600


def test_the_expected_output_records_the_branch_the_size_picks() -> None:
    small, large = expected_conditional(200), expected_conditional(LARGE_FROM_ROWS)
    assert small["rows"] == large["rows"] == 1
    assert small != large
    assert expected_conditional(200) == expected_conditional(200)
