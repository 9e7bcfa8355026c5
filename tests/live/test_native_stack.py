"""The native stack for real: PostgreSQL, Airflow and Prefect started, driven over REST, stopped.

Reads like the README: `./lab up`, `./lab status`, `./lab run etl_basic`, UI-started runs picked
up by `./lab report`. The session's `stack` fixture checks that `./lab down` leaves nothing running.
Results go to a temporary folder.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from comparisons.clients.airflow import AirflowClient
from comparisons.clients.prefect import PrefectClient
from comparisons.errors import AuthError
from comparisons.pairs import resolve
from comparisons.report.build import build_report
from comparisons.runner import collect_ui_runs, run_pairs
from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.stack.secrets import ensure_env_file
from comparisons.stack.services import AIRFLOW_PORT, PREFECT_PORT, SERVICES
from tests.live._probes import PROBE_WAIT_S, scheduled_probe

pytestmark = pytest.mark.live
AIRFLOW = f"http://127.0.0.1:{AIRFLOW_PORT}"
PREFECT = f"http://127.0.0.1:{PREFECT_PORT}/api"


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    """The running stack, with results and reports kept out of the user's folders."""
    scratch = tmp_path_factory.mktemp("lab")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")


def lab_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([str(root / "lab"), *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600, check=False)


def test_status_shows_every_service_healthy_with_its_url(lab: LabSettings) -> None:
    result = lab_cli("status")
    assert result.returncode == 0, result.stdout + result.stderr
    for svc in SERVICES:
        if not svc.oneshot:
            assert f"{svc.name}" in result.stdout
    assert "http://127.0.0.1:8080" in result.stdout and "http://127.0.0.1:4200" in result.stdout
    assert "not healthy" not in result.stdout and "stopped" not in result.stdout


def test_starting_twice_is_harmless(lab: LabSettings) -> None:
    before = {s.name: native.running_pid(lab, s.name) for s in SERVICES if not s.oneshot}
    lines: list[str] = []
    native.up(lab, progress=lines.append)
    after = {s.name: native.running_pid(lab, s.name) for s in SERVICES if not s.oneshot}
    assert before == after
    assert sum("already running" in line for line in lines) == len(before)


def test_etl_basic_runs_on_both_and_the_outputs_are_identical(lab: LabSettings) -> None:
    (comparison,) = run_pairs(lab, resolve(lab, ["etl_basic"]), {"n_rows": 300})
    assert comparison.status == "equal", comparison.errors
    assert comparison.outputs["airflow"] == comparison.outputs["prefect"] == comparison.expected
    assert comparison.expected["rows"] > 0
    for run in comparison.runs.values():
        assert [t.name for t in run.tasks] == ["extract", "transform", "load"]
        assert all(t.start and t.end for t in run.tasks), "task timestamps must have settled"
        assert run.created <= run.start <= run.end
    assert list(lab.results.glob("*/*.json"))


def test_unknown_pair_lists_the_known_ones(lab: LabSettings) -> None:
    result = lab_cli("run", "no_such_pair")
    assert result.returncode == 2
    assert "unknown pair 'no_such_pair'" in result.stderr and "etl_basic" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_parameters_are_refused_before_anything_is_triggered(lab: LabSettings) -> None:
    prefect = httpx.Client(base_url=PREFECT)
    count_before = prefect.post("/flow_runs/count", json={}).json()
    result = lab_cli("run", "etl_basic", "--param", "rows=5")
    assert result.returncode == 2
    assert "has no parameter 'rows'" in result.stderr and "n_rows" in result.stderr
    assert "Traceback" not in result.stderr
    assert prefect.post("/flow_runs/count", json={}).json() == count_before


def test_wrong_credentials_are_said_plainly(lab: LabSettings) -> None:
    with pytest.raises(AuthError, match="refused the login"):
        AirflowClient(AIRFLOW, "admin", "not-the-password").version()


def test_a_crashed_run_is_reported_with_its_cause(lab: LabSettings) -> None:
    client = PrefectClient(PREFECT)
    run_id = client.trigger("etl_basic", {"bogus": 1})  # what the harness's validation prevents
    record = client.wait("etl_basic", run_id, timeout=120)
    assert record.state == "failed"
    assert "bogus" in client.failure_excerpt(record)


def test_runs_started_outside_the_harness_are_paired_as_ui_runs(lab: LabSettings) -> None:
    """What a person does from each UI: Airflow's Trigger button (run id `manual__…`), Prefect's Run."""
    secrets = ensure_env_file(lab.env_file, lab.root / ".env.example")
    airflow = AirflowClient(AIRFLOW, secrets["LAB_ADMIN_USERNAME"], secrets["LAB_ADMIN_PASSWORD"])
    ui_run = airflow._json("POST", "/api/v2/dags/etl_basic/dagRuns", "etl_basic",
                           json={"logical_date": None, "conf": {}})["dag_run_id"]
    prefect = PrefectClient(PREFECT)
    flow_run = prefect._json("POST", f"/deployments/{prefect.deployment('etl_basic')['id']}/create_flow_run",
                             json={"parameters": {}})["id"]
    airflow.wait("etl_basic", ui_run, timeout=180)
    prefect.wait("etl_basic", flow_run, timeout=180)
    (comparison,) = [c for c in collect_ui_runs(lab) if c.pair == "etl_basic"]
    assert comparison.started_from == "ui" and comparison.status == "equal"
    assert {r.run_id for r in comparison.runs.values()} == {ui_run, flow_run}
    assert collect_ui_runs(lab) == [], "a UI run is paired once"
    html_path, md_path = build_report(lab)
    assert "started from the UIs" in html_path.read_text()


def test_ui_started_event_driven_runs_are_paired_by_the_consumers_they_started(lab: LabSettings) -> None:
    """A person starts the producer from each UI; the comparison judges the consumers its landing started."""
    secrets = ensure_env_file(lab.env_file, lab.root / ".env.example")
    airflow = AirflowClient(AIRFLOW, secrets["LAB_ADMIN_USERNAME"], secrets["LAB_ADMIN_PASSWORD"])
    conf = {"n_rows": 90, "seed": 4}
    ui_run = airflow._json("POST", "/api/v2/dags/event_driven/dagRuns", "event_driven",
                           json={"logical_date": None, "conf": conf})["dag_run_id"]
    prefect = PrefectClient(PREFECT)
    flow_run = prefect._json("POST", f"/deployments/{prefect.deployment('event_driven')['id']}/create_flow_run",
                             json={"parameters": conf})["id"]
    airflow.wait("event_driven", ui_run, timeout=180)
    prefect.wait("event_driven", flow_run, timeout=180)
    (comparison,) = [c for c in collect_ui_runs(lab) if c.pair == "event_driven"]
    assert comparison.started_from == "ui" and comparison.status == "equal", comparison.errors
    assert comparison.parameters == conf and comparison.expected is not None and comparison.expected["rows"] < 90
    handovers = comparison.labels["handover"]
    assert {h["upstream"]["run_id"] for h in handovers.values()} == {ui_run, flow_run}
    assert not {r.run_id for r in comparison.runs.values()} & {ui_run, flow_run}, "the consumers are judged"
    assert [c for c in collect_ui_runs(lab) if c.pair == "event_driven"] == [], "a UI run is paired once"


def test_a_scheduled_deployment_runs_on_its_own(lab: LabSettings) -> None:
    """Prefect's scheduler creates runs from a schedule (it silently did not with SQLAlchemy 2.1)."""
    http = httpx.Client(base_url=PREFECT, timeout=30)
    with scheduled_probe(http, "etl_basic", "scheduled-probe") as deployment_id:
        deadline = time.monotonic() + PROBE_WAIT_S
        states: list[str] = []
        while time.monotonic() < deadline:
            runs = http.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}}}).json()
            states = [run["state_type"] for run in runs]
            if "COMPLETED" in states:
                break
            time.sleep(1)
        assert "COMPLETED" in states, f"no scheduled run completed in {PROBE_WAIT_S} s; states seen: {states}"
