"""The subflows pair's reusable ETL: three sources, one table, each load replacing only its own rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from shared_logic.sources import (
    SOURCES,
    SUBFLOWS_COLUMNS,
    SUBFLOWS_TABLE,
    expected_subflows,
    extract_source_orders,
    transform_source_orders,
)
from shared_logic.warehouse import fingerprint, load_rows


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


@pytest.fixture
def scratch_schema(warehouse_test_dsn: str) -> Iterator[str]:
    import psycopg2
    from psycopg2 import sql

    schema = f"test_sources_{uuid.uuid4().hex[:8]}"
    yield schema
    conn = psycopg2.connect(warehouse_test_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    finally:
        conn.close()


def _load(dsn: str, schema: str, source: str, rows: list[dict]) -> int:
    return load_rows(dsn, schema, SUBFLOWS_TABLE, SUBFLOWS_COLUMNS, rows, partition=("source", source))


def test_partitioned_loads_share_the_table_and_rerun_idempotently(warehouse_test_dsn: str,
                                                                   scratch_schema: str) -> None:
    for source in reversed(SOURCES):  # any order
        _load(warehouse_test_dsn, scratch_schema, source, _clean(source))
    _load(warehouse_test_dsn, scratch_schema, SOURCES[0], _clean(SOURCES[0]))  # a retry of one source
    assert fingerprint(warehouse_test_dsn, scratch_schema, SUBFLOWS_TABLE) == expected_subflows(50, seed=5)


def test_a_partitioned_load_refuses_rows_of_another_partition(warehouse_test_dsn: str, scratch_schema: str) -> None:
    with pytest.raises(ValueError, match="partition source='wholesale'"):
        _load(warehouse_test_dsn, scratch_schema, "wholesale", _clean("web_shop"))
