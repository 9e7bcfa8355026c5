"""shared_logic's loads against a real PostgreSQL: idempotent, transactional, read back as fingerprints.

They use the `warehouse_test` database (LAB_WAREHOUSE_DSN) and write only to scratch schemas they drop;
Airflow's mapping limit is read from the Airflow environment's own config template.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from comparisons.settings import LabSettings
from shared_logic import (
    ORDERS_COLUMNS,
    TableMissingError,
    expected_etl_basic,
    extract_orders,
    fingerprint,
    load_rows,
    transform_orders,
)
from shared_logic.fanout import FANOUT_COLUMNS, MAX_ITEMS, expected_dynamic_fanout, list_work_items, score_item
from shared_logic.sources import (
    SOURCES,
    SUBFLOWS_COLUMNS,
    SUBFLOWS_TABLE,
    expected_subflows,
    extract_source_orders,
    transform_source_orders,
)

pytestmark = pytest.mark.pipeline

@pytest.fixture
def dsn(warehouse_test_dsn: str) -> str:
    return warehouse_test_dsn


@pytest.fixture
def scratch_schema(dsn: str) -> Iterator[str]:
    import psycopg2
    from psycopg2 import sql

    schema = f"test_shared_logic_{uuid.uuid4().hex[:8]}"
    yield schema
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    finally:
        conn.close()


def test_fingerprint_read_back_from_postgres_equals_the_expected_one(dsn: str, scratch_schema: str) -> None:
    rows = transform_orders(extract_orders())
    assert load_rows(dsn, scratch_schema, "etl_basic", ORDERS_COLUMNS, rows) == len(rows)
    assert fingerprint(dsn, scratch_schema, "etl_basic") == expected_etl_basic()


def test_loading_twice_replaces_instead_of_duplicating(dsn: str, scratch_schema: str) -> None:
    rows = transform_orders(extract_orders())
    load_rows(dsn, scratch_schema, "etl_basic", ORDERS_COLUMNS, rows)
    load_rows(dsn, scratch_schema, "etl_basic", ORDERS_COLUMNS, rows)
    assert fingerprint(dsn, scratch_schema, "etl_basic") == expected_etl_basic()
    smaller = transform_orders(extract_orders(20))
    load_rows(dsn, scratch_schema, "etl_basic", ORDERS_COLUMNS, smaller)
    assert fingerprint(dsn, scratch_schema, "etl_basic")["rows"] == len(smaller)


def test_a_failed_load_leaves_the_previous_content(dsn: str, scratch_schema: str) -> None:
    import psycopg2

    good = transform_orders(extract_orders())
    load_rows(dsn, scratch_schema, "etl_basic", ORDERS_COLUMNS, good)
    broken = good[:100] + [good[0]]  # duplicate primary key: fails mid-INSERT, after the DELETE
    with pytest.raises(psycopg2.IntegrityError):
        load_rows(dsn, scratch_schema, "etl_basic", ORDERS_COLUMNS, broken)
    assert fingerprint(dsn, scratch_schema, "etl_basic") == expected_etl_basic()


def test_fingerprint_of_a_missing_table_says_what_to_do(dsn: str, scratch_schema: str) -> None:
    with pytest.raises(TableMissingError, match=rf"{scratch_schema}\.etl_basic does not exist.*run"):
        fingerprint(dsn, scratch_schema, "etl_basic")


# --- subflows: one table, each source's load replacing only its rows --------------------------


def _clean(source: str, n_rows: int = 50) -> list[dict]:
    return transform_source_orders(extract_source_orders(source, n_rows, seed=5), source)


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


# --- dynamic_fanout ------------------------------------------------------------------------------


def test_max_items_stays_below_airflows_default_max_map_length() -> None:
    """Read from Airflow's own config template, so an Airflow upgrade that lowers it is noticed."""
    venv = LabSettings.from_environment().venv_bin("airflow", "python").parent.parent
    templates = list(venv.glob("lib/python*/site-packages/airflow/config_templates/config.yml"))
    if not templates:
        pytest.skip(f"no Airflow environment in {venv}: ./lab setup")
    section = templates[0].read_text().split("    max_map_length:", 1)[1]
    default = int(re.search(r'default:\s*"(\d+)"', section).group(1))
    assert MAX_ITEMS <= default


def test_one_row_per_item_whatever_order_the_mapped_results_come_back(warehouse_test_dsn: str,
                                                                       scratch_schema: str) -> None:
    rows = [score_item(item) for item in reversed(list_work_items(40))]
    load_rows(warehouse_test_dsn, scratch_schema, "dynamic_fanout", FANOUT_COLUMNS, rows)
    assert fingerprint(warehouse_test_dsn, scratch_schema, "dynamic_fanout") == expected_dynamic_fanout(40)
    assert expected_dynamic_fanout(40)["rows"] == 40


def test_landed_orders_read_back_as_extracted_dirt_duplicates_and_order_included(dsn: str, scratch_schema: str) -> None:
    from shared_logic.landed_orders import land_rows, read_landed_rows

    raw = extract_orders(n_rows=400, seed=3)
    assert any(row["customer_email"] is None for row in raw) and len({r["order_id"] for r in raw}) < len(raw)
    assert land_rows(dsn, scratch_schema, list(reversed(raw))) == len(raw)
    assert land_rows(dsn, scratch_schema, raw) == len(raw)  # a second landing replaces the first
    assert read_landed_rows(dsn, scratch_schema) == raw
