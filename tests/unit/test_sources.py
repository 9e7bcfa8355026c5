"""The subflows pair's three sources (their partitioned loads are in tests/pipelines/test_warehouse.py)."""

from __future__ import annotations

import pytest

from shared_logic.sources import (
    SOURCES,
    extract_source_orders,
    transform_source_orders,
)


def _clean(source: str, n_rows: int = 50) -> list[dict]:
    return transform_source_orders(extract_source_orders(source, n_rows, seed=5), source)


def test_each_source_has_its_own_data_tagged_with_its_name() -> None:
    per_source = {source: _clean(source) for source in SOURCES}
    assert len({tuple(o["order_id"] + o["customer_email"] for o in rows) for rows in per_source.values()}) == 3
    for source, rows in per_source.items():
        assert rows and {row["source"] for row in rows} == {source}


def test_an_unknown_source_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown source 'crm'.*web_shop"):
        extract_source_orders("crm")
