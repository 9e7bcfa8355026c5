"""How the lab hands `.env` values to the pipelines: each orchestrator's own store, and no wider than needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from comparisons.errors import SetupError
from comparisons.settings import LabSettings
from comparisons.stack.native import native_placement
from comparisons.stack.secrets import DEFAULTS, GENERATED
from comparisons.stack.services import (
    PIPELINE_SETTINGS,
    SERVICES,
    airflow_pipeline_settings,
    service_environment,
    warehouse_dsn,
)

VALUES = {key: f"value-of-{key.lower()}-0123456789" for key in GENERATED} | dict(DEFAULTS)


def test_every_pipeline_setting_comes_from_env_generated_or_defaulted() -> None:
    assert set(PIPELINE_SETTINGS) <= set(GENERATED) | set(DEFAULTS)


def test_airflow_gets_a_connection_holding_the_secret_and_a_variable() -> None:
    env = airflow_pipeline_settings(VALUES)
    assert json.loads(env["AIRFLOW_CONN_LAB_PARTNER"]) == {
        "conn_type": "generic", "password": VALUES["LAB_PIPELINE_SECRET"]}
    assert env["AIRFLOW_VAR_LAB_EXPORT_COUNTRY"] == "DE"
    assert airflow_pipeline_settings({}) == {}, "the in-process runner passes only what a pair needs"


def test_each_secret_reaches_only_the_services_that_use_it() -> None:
    """The pipeline secret: Prefect's deploy job (it makes the Secret block) and Airflow's scheduler
    (its task processes read the connection); the warehouse: where tasks and callbacks run (Airflow's
    dag-processor runs DAG-level callbacks: failure_hooks writes its alert there) and the alert receiver,
    which keeps the alerts there; a database: its server."""
    placement = native_placement(LabSettings.from_environment())
    readers = {
        "LAB_PIPELINE_SECRET": {"prefect-deploy", "airflow-scheduler"},
        "LAB_WAREHOUSE_DB_PASSWORD": {"airflow-scheduler", "airflow-dag-processor", "prefect-worker",
                                      "alert-receiver"},
        "LAB_PREFECT_DB_PASSWORD": {"prefect-server"},
        "LAB_ADMIN_PASSWORD": set(),  # native mode writes Airflow's passwords file itself
    }
    for key, expected in readers.items():
        holders = {svc.name for svc in SERVICES
                   if any(VALUES[key] in value for value in service_environment(svc, placement, VALUES).values())}
        assert holders == expected, key


def test_two_checkouts_on_one_machine_name_their_own_roles_and_databases(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Native mode shares the machine's PostgreSQL cluster: each checkout's `./lab up` sets the
    passwords of its own roles only, so it never breaks another checkout's running stack."""
    monkeypatch.delenv("LAB_DATABASE_PREFIX", raising=False)
    first, second = (LabSettings(root=tmp_path / name, env_file=tmp_path / name / ".env") for name in ("a", "b"))
    names = [native_placement(s).database("warehouse") for s in (first, second)]
    assert names[0] != names[1] and all(role.startswith("lab_") and role.endswith("_warehouse")
                                        for role, _, _ in names)
    dsn = warehouse_dsn(native_placement(first), VALUES)
    role, database, _ = names[0]
    assert dsn.startswith(f"postgresql://{role}:") and dsn.endswith(f"/{database}")
    monkeypatch.setenv("LAB_DATABASE_PREFIX", "")  # the compose harness: its own PostgreSQL, plain names
    assert native_placement(first).database("warehouse") == ("warehouse", "warehouse", "LAB_WAREHOUSE_DB_PASSWORD")
    monkeypatch.setenv("LAB_DATABASE_PREFIX", "Robert'); DROP")
    with pytest.raises(SetupError, match="LAB_DATABASE_PREFIX"):
        native_placement(first)
