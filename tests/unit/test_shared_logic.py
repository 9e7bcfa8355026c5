"""shared_logic: deterministic data, real cleaning, canonical fingerprints (no database here:
the loads against PostgreSQL are in tests/pipelines/test_warehouse.py)."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from shared_logic import (
    ORDERS_COLUMNS,
    WarehouseNotConfiguredError,
    expected_etl_basic,
    expected_fingerprint,
    extract_orders,
    fingerprint_rows,
    load_orders,
    transform_orders,
    warehouse_dsn,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_LOGIC = REPO_ROOT / "shared_logic"


def _raw(order_id: str, **overrides: object) -> dict:
    row = {
        "order_id": order_id,
        "order_date": "2024-03-01",
        "customer_email": "ada@example.com",
        "country": "DE",
        "quantity": 2,
        "unit_price": "10.50",
    }
    return row | overrides


# --- extract ---------------------------------------------------------------------------------


def test_extract_is_deterministic_and_json_safe() -> None:
    rows = extract_orders(200, seed=7)
    assert rows == extract_orders(200, seed=7)
    assert rows != extract_orders(200, seed=8)
    assert len(rows) == 200
    assert json.loads(json.dumps(rows)) == rows  # travels through XCom / task results unchanged


def test_extract_does_not_touch_the_global_random_state() -> None:
    random.seed(123)
    before = random.random()
    random.seed(123)
    extract_orders()
    assert random.random() == before


def test_extract_contains_every_kind_of_dirt() -> None:
    rows = extract_orders()
    ids = [r["order_id"] for r in rows]
    assert len(ids) - len(set(ids)) >= 3, "exact duplicates"
    assert any(r["customer_email"] is None for r in rows), "missing email"
    assert any(r["customer_email"] is not None and not r["customer_email"].strip() for r in rows), "blank email"
    assert any(r["quantity"] <= 0 for r in rows), "zero or negative quantity"
    assert any("," in r["unit_price"] and r["unit_price"] != r["unit_price"].strip() for r in rows), "price"
    assert any(r["country"] != r["country"].strip().upper() for r in rows), "country case/whitespace"


# --- transform -------------------------------------------------------------------------------


def test_transform_repairs_what_it_can() -> None:
    [order] = transform_orders(
        [_raw("A1", customer_email="  Ada@Example.COM ", country=" de ", quantity=3, unit_price=" 1,234.50 ")]
    )
    assert order == {
        "order_id": "A1",
        "order_date": "2024-03-01",
        "customer_email": "ada@example.com",
        "country": "DE",
        "quantity": 3,
        "unit_price_cents": 123450,
        "total_cents": 370350,
    }


@pytest.mark.parametrize(
    "dirt",
    [
        {"customer_email": None},
        {"customer_email": "   "},
        {"customer_email": "not-an-email"},
        {"quantity": 0},
        {"quantity": -2},
        {"unit_price": "N/A"},
        {"unit_price": ""},
        {"unit_price": "12.3.4"},
        {"unit_price": "1.999"},  # sub-cent prices are not money
        {"unit_price": "-5.00"},
        {"country": "Germany"},
    ],
)
def test_transform_drops_invalid_rows(dirt: dict) -> None:
    assert transform_orders([_raw("A1", **dirt)]) == []


def test_transform_deduplicates_keeping_the_first_valid_copy() -> None:
    rows = [_raw("A1", quantity=0), _raw("A1", quantity=1), _raw("A1", quantity=5), _raw("B2")]
    assert [(o["order_id"], o["quantity"]) for o in transform_orders(rows)] == [("A1", 1), ("B2", 2)]


def test_transform_of_the_default_dataset() -> None:
    raw = extract_orders()
    clean = transform_orders(raw)
    ids = [o["order_id"] for o in clean]
    assert len(ids) == len(set(ids))
    assert 0.80 * len(raw) < len(clean) < 0.97 * len(raw), "5-10 % dirty rows plus duplicates dropped"
    for order in clean:
        assert list(order) == [name for name, _ in ORDERS_COLUMNS]
        assert all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in order.values())
        assert order["customer_email"] == order["customer_email"].strip().lower()
        assert order["country"].isupper() and len(order["country"]) == 2
        assert order["quantity"] > 0 and order["unit_price_cents"] > 0
        assert order["total_cents"] == order["quantity"] * order["unit_price_cents"]


# --- fingerprints without a database ---------------------------------------------------------


def test_fingerprint_rows_ignores_row_order() -> None:
    rows = transform_orders(extract_orders(100))
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    assert fingerprint_rows(ORDERS_COLUMNS, shuffled) == fingerprint_rows(ORDERS_COLUMNS, rows)
    assert fingerprint_rows(ORDERS_COLUMNS, rows[1:]) != fingerprint_rows(ORDERS_COLUMNS, rows)


def test_fingerprint_rows_refuses_ambiguous_types() -> None:
    with pytest.raises(TypeError, match="int or str"):
        fingerprint_rows([("x", "NUMERIC")], [{"x": 1.5}])


def test_expected_fingerprint_is_the_plain_python_answer() -> None:
    assert expected_fingerprint("etl_basic") == expected_etl_basic()
    assert expected_fingerprint("etl_basic", n_rows=50, seed=1) != expected_etl_basic()
    assert expected_etl_basic()["rows"] == len(transform_orders(extract_orders()))
    with pytest.raises(KeyError, match="EXPECTATIONS"):
        expected_fingerprint("no_such_pair")


def test_warehouse_dsn_names_the_variable_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAB_WAREHOUSE_DSN", raising=False)
    with pytest.raises(WarehouseNotConfiguredError, match="LAB_WAREHOUSE_DSN"):
        warehouse_dsn()


def test_load_orders_rejects_unknown_orchestrators() -> None:
    with pytest.raises(ValueError, match="airflow"):
        load_orders([], orchestrator="dagster")


# --- the package stays orchestrator-free and cheap to import ---------------------------------


def test_shared_logic_imports_neither_airflow_nor_prefect() -> None:
    offenders = []
    for path in sorted(SHARED_LOGIC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno} {m}" for m in modules if m.split(".")[0] in {"airflow", "prefect"}
            ]
    assert not offenders


def test_importing_shared_logic_does_not_load_psycopg2() -> None:
    # The Airflow DAG processor imports shared_logic on every parse: keep it cheap.
    code = "import sys, shared_logic; print('psycopg2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
