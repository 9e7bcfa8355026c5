"""The dynamic_fanout pair: a run-time work list within Airflow's mapping limit, one row per item."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from comparisons.settings import LabSettings
from shared_logic.fanout import (
    FANOUT_COLUMNS,
    MAX_ITEMS,
    expected_dynamic_fanout,
    list_work_items,
    score_item,
)
from shared_logic.warehouse import fingerprint, load_rows


def test_the_work_list_has_n_distinct_items_in_order() -> None:
    items = list_work_items(25)
    assert len(set(items)) == 25 and items == sorted(items)
    assert len(list_work_items(MAX_ITEMS)) == MAX_ITEMS


@pytest.mark.parametrize("n_items", [0, MAX_ITEMS + 1, True])
def test_a_list_airflow_could_not_map_is_refused_on_both_sides(n_items: int) -> None:
    with pytest.raises(ValueError, match=rf"between 1 and {MAX_ITEMS}.*max_map_length"):
        list_work_items(n_items)


def test_max_items_stays_below_airflows_default_max_map_length() -> None:
    """Read from Airflow's own config template, so an Airflow upgrade that lowers it is noticed."""
    venv = LabSettings.from_environment().venv_bin("airflow", "python").parent.parent
    templates = list(venv.glob("lib/python*/site-packages/airflow/config_templates/config.yml"))
    if not templates:
        pytest.skip(f"no Airflow environment in {venv}: ./lab setup")
    section = templates[0].read_text().split("    max_map_length:", 1)[1]
    default = int(re.search(r'default:\s*"(\d+)"', section).group(1))
    assert MAX_ITEMS <= default


def test_scores_are_deterministic_and_json_safe() -> None:
    row = score_item("item-0001")
    assert row == score_item("item-0001") and row != score_item("item-0002")
    assert set(row) == {name for name, _ in FANOUT_COLUMNS} and 0 <= row["score"] < 1000


@pytest.fixture
def scratch_schema(warehouse_test_dsn: str) -> Iterator[str]:
    import psycopg2
    from psycopg2 import sql

    schema = f"test_fanout_{uuid.uuid4().hex[:8]}"
    yield schema
    conn = psycopg2.connect(warehouse_test_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    finally:
        conn.close()


def test_one_row_per_item_whatever_order_the_mapped_results_come_back(warehouse_test_dsn: str,
                                                                       scratch_schema: str) -> None:
    rows = [score_item(item) for item in reversed(list_work_items(40))]
    load_rows(warehouse_test_dsn, scratch_schema, "dynamic_fanout", FANOUT_COLUMNS, rows)
    assert fingerprint(warehouse_test_dsn, scratch_schema, "dynamic_fanout") == expected_dynamic_fanout(40)
    assert expected_dynamic_fanout(40)["rows"] == 40
