"""How the lab hands `.env` values to the pipelines: each orchestrator's own store, and no wider than needed."""

from __future__ import annotations

import json

from comparisons.settings import LabSettings
from comparisons.stack.native import native_placement
from comparisons.stack.secrets import DEFAULTS, GENERATED
from comparisons.stack.services import PIPELINE_SETTINGS, SERVICES, airflow_pipeline_settings, service_environment

VALUES = {key: f"value-of-{key.lower()}-0123456789" for key in GENERATED} | dict(DEFAULTS)


def test_every_pipeline_setting_comes_from_env_generated_or_defaulted() -> None:
    assert set(PIPELINE_SETTINGS) <= set(GENERATED) | set(DEFAULTS)


def test_airflow_gets_a_connection_holding_the_secret_and_a_variable() -> None:
    env = airflow_pipeline_settings(VALUES)
    assert json.loads(env["AIRFLOW_CONN_LAB_PARTNER"]) == {
        "conn_type": "generic", "password": VALUES["LAB_PIPELINE_SECRET"]}
    assert env["AIRFLOW_VAR_LAB_EXPORT_COUNTRY"] == "DE"
    assert airflow_pipeline_settings({}) == {}, "the in-process runner passes only what a pair needs"


def test_among_prefect_services_only_the_deploy_job_sees_the_secret() -> None:
    placement = native_placement(LabSettings.from_environment())
    for svc in SERVICES:
        env = service_environment(svc, placement, VALUES)
        holds_secret = any(VALUES["LAB_PIPELINE_SECRET"] in value for value in env.values())
        if svc.side == "prefect":
            assert holds_secret == (svc.name == "prefect-deploy"), svc.name
        else:
            assert holds_secret, f"{svc.name}: Airflow reads the connection from its environment"
