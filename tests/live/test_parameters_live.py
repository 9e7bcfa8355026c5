"""Typed parameters for real: both servers declare the same ones and refuse bad values by name.

The `parameters` pair declares `n_rows` (1..100000), `granularity` (day|week|month) and `country`
(ALL or a country code) as Airflow `Param`s and as Prefect type hints. Here each server is asked
directly over REST — Airflow's trigger endpoint, Prefect's create_flow_run — and the harness's
`./lab run` is checked to refuse the same values before anything is triggered.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from comparisons.clients.airflow import AirflowClient
from comparisons.clients.prefect import PrefectClient
from comparisons.pairs import resolve
from comparisons.runner import clients, run_pairs
from comparisons.settings import LabSettings
from shared_logic.order_report import COUNTRIES, GRANULARITIES, MAX_ROWS, MIN_ROWS
from tests.live.test_native_stack import lab_cli

pytestmark = pytest.mark.live
PAIR = "parameters"
DEFAULTS = {"n_rows": 500, "granularity": "month", "country": "ALL"}
CONSTRAINTS = {
    "n_rows": {"type": "integer", "minimum": MIN_ROWS, "maximum": MAX_ROWS},
    "granularity": {"type": "string", "enum": list(GRANULARITIES)},
    "country": {"type": "string", "enum": list(COUNTRIES)},
}
# (bad parameters, the parameter every refusal must name)
BAD = [
    ({"granularity": "year"}, "granularity"),
    ({"country": "de"}, "country"),
    ({"n_rows": 0}, "n_rows"),
    ({"n_rows": MAX_ROWS + 1}, "n_rows"),
    ({"n_rows": "many"}, "n_rows"),
]


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    """The running stack, with results and reports kept out of the user's folders."""
    scratch = tmp_path_factory.mktemp("lab")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")


@pytest.fixture(scope="module")
def servers(lab: LabSettings) -> tuple[AirflowClient, PrefectClient]:
    airflow, prefect = clients(lab)
    assert isinstance(airflow, AirflowClient) and isinstance(prefect, PrefectClient)
    airflow.wait_for_dag(PAIR)
    return airflow, prefect


def _run_counts(airflow: AirflowClient, prefect: PrefectClient) -> tuple[int, int]:
    airflow_runs = airflow._json("GET", f"/api/v2/dags/{PAIR}/dagRuns", PAIR, params={"limit": 1})["total_entries"]
    prefect_runs = prefect._json("POST", "/flow_runs/count", json={
        "deployments": {"id": {"any_": [prefect.deployment(PAIR)["id"]]}}})
    return int(airflow_runs), int(prefect_runs)


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: schema[key] for key in ("type", "enum", "minimum", "maximum") if key in schema}


def test_both_servers_declare_the_same_parameters_defaults_and_constraints(
        servers: tuple[AirflowClient, PrefectClient]) -> None:
    for client in servers:
        assert client.parameters(PAIR) == DEFAULTS, client.name
        schema = client.parameter_schema(PAIR)
        assert {name: _constraints(spec) for name, spec in schema.items()} == CONSTRAINTS, client.name


@pytest.mark.parametrize(("conf", "named"), BAD)
def test_airflow_refuses_a_bad_conf_naming_the_parameter(
        servers: tuple[AirflowClient, PrefectClient], conf: dict[str, Any], named: str) -> None:
    airflow, prefect = servers
    before = _run_counts(airflow, prefect)
    response = airflow._call("POST", f"/api/v2/dags/{PAIR}/dagRuns", json={"logical_date": None, "conf": conf})
    assert response.status_code == 400, response.text
    assert f"Invalid input for param {named}" in response.json()["detail"]
    assert _run_counts(airflow, prefect) == before, "a refused conf must not create a run"


@pytest.mark.parametrize(("parameters", "named"), BAD)
def test_prefect_refuses_bad_parameters_naming_the_field(
        servers: tuple[AirflowClient, PrefectClient], parameters: dict[str, Any], named: str) -> None:
    airflow, prefect = servers
    before = _run_counts(airflow, prefect)
    deployment_id = prefect.deployment(PAIR)["id"]
    response = prefect._call("POST", f"/deployments/{deployment_id}/create_flow_run",
                             json={"parameters": parameters})
    assert response.status_code in (409, 422), response.text
    assert f"Validation failed for field '{named}'" in response.json()["detail"]
    assert _run_counts(airflow, prefect) == before, "refused parameters must not create a run"


@pytest.mark.parametrize(("param", "named"), [("granularity=year", "granularity"), ("n_rows=0", "n_rows"),
                                              ("country=XX", "country")])
def test_the_harness_refuses_bad_parameters_before_triggering(
        servers: tuple[AirflowClient, PrefectClient], param: str, named: str) -> None:
    before = _run_counts(*servers)
    result = lab_cli("run", PAIR, "--param", param)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"parameter '{named}'" in result.stderr and "Traceback" not in result.stderr
    assert _run_counts(*servers) == before


def test_valid_non_default_parameters_run_equal_on_both(lab: LabSettings) -> None:
    """The control: the values the refusals surround are accepted, and each one reaches the tasks."""
    (comparison,) = run_pairs(lab, resolve(lab, [PAIR]), {"n_rows": 300, "granularity": "week", "country": "DE"})
    assert comparison.status == "equal", comparison.errors
    assert comparison.outputs["airflow"] == comparison.outputs["prefect"] == comparison.expected
