"""The `scheduled_daily` pair's schedule, as the two servers see it: the same next 06:00 UTC run.

Airflow computes a DAG's next run itself (`next_dagrun_run_after`); Prefect's scheduler creates the
deployment's upcoming runs ahead of time, as flow runs in state Scheduled. Both must name the same
instant. Then the scheduled path of each pipeline, for real: a run the schedule made loads the day
of its slot, not the reference day a manual run falls back to.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from comparisons.clients.airflow import AirflowClient
from comparisons.clients.prefect import PrefectClient
from comparisons.runner import credentials
from comparisons.settings import LabSettings
from comparisons.stack.native import native_placement
from comparisons.stack.services import AIRFLOW_PORT, PREFECT_PORT, warehouse_dsn
from comparisons.store.runs import parse_time
from shared_logic.daily_orders import expected_scheduled_daily
from shared_logic.warehouse import fingerprint
from tests.live._probes import PROBE_WAIT_S, scheduled_probe

pytestmark = pytest.mark.live
AIRFLOW = f"http://127.0.0.1:{AIRFLOW_PORT}"
PREFECT = f"http://127.0.0.1:{PREFECT_PORT}/api"
PAIR = "scheduled_daily"


@pytest.fixture(scope="module")
def airflow(stack: LabSettings) -> AirflowClient:
    env = credentials(stack)
    client = AirflowClient(AIRFLOW, env["LAB_ADMIN_USERNAME"], env["LAB_ADMIN_PASSWORD"])
    client.wait_for_dag(PAIR)
    return client


@pytest.fixture(scope="module")
def prefect(stack: LabSettings) -> httpx.Client:
    return httpx.Client(base_url=PREFECT, timeout=30)


def _poll(what: str, probe: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: nothing after {timeout:.0f} s")
        time.sleep(1)
    return found


def _airflow_next_run(airflow: AirflowClient) -> datetime | None:
    details = airflow._json("GET", f"/api/v2/dags/{PAIR}", PAIR)
    run_after = parse_time(details.get("next_dagrun_run_after"))
    # With catchup=False a new DAG first runs its latest missed slot; the next run is then in the future.
    return run_after if run_after and run_after > datetime.now(UTC) else None


def _prefect_next_run(prefect: httpx.Client) -> datetime | None:
    deployment_id = PrefectClient(PREFECT).deployment(PAIR)["id"]
    runs = prefect.post("/flow_runs/filter", json={
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}},
                      "expected_start_time": {"after_": datetime.now(UTC).isoformat()}},
        "sort": "EXPECTED_START_TIME_ASC", "limit": 1}).json()
    return parse_time(runs[0]["expected_start_time"]) if runs and runs[0]["auto_scheduled"] else None


def test_both_orchestrators_agree_on_the_next_daily_run(airflow: AirflowClient, prefect: httpx.Client) -> None:
    airflow_next = _poll("Airflow's next run of scheduled_daily", lambda: _airflow_next_run(airflow), 120)
    prefect_next = _poll("Prefect's next scheduled run of scheduled_daily", lambda: _prefect_next_run(prefect), 120)
    assert airflow_next == prefect_next
    assert (airflow_next.hour, airflow_next.minute, airflow_next.utcoffset()) == (6, 0, timedelta(0))
    assert airflow_next - datetime.now(UTC) <= timedelta(days=1)


def _airflow_scheduled_run(airflow: AirflowClient) -> dict | None:
    runs = airflow._json("GET", f"/api/v2/dags/{PAIR}/dagRuns", PAIR,
                         params={"run_type": "scheduled", "order_by": "-run_after", "limit": 1})["dag_runs"]
    return runs[0] if runs and runs[0]["state"] in ("success", "failed") else None


def test_an_airflow_scheduled_run_loads_the_day_of_its_slot(airflow: AirflowClient) -> None:
    run = _poll("a finished scheduled run of scheduled_daily (the slot catchup=False runs once)",
                lambda: _airflow_scheduled_run(airflow), 180)
    assert run["state"] == "success", run
    day = airflow._json(
        "GET", f"/api/v2/dags/{PAIR}/dagRuns/{run['dag_run_id']}/taskInstances/pick_day/xcomEntries/return_value",
        PAIR)["value"]
    assert day.strip('"') == parse_time(run["logical_date"]).astimezone(UTC).date().isoformat()


def test_a_prefect_scheduled_run_loads_the_day_of_its_slot(stack: LabSettings, prefect: httpx.Client) -> None:
    """A probe deployment of the same flow, its first slot 5 s ahead: the run its schedule makes is auto-scheduled."""
    with scheduled_probe(prefect, PAIR, "scheduled-daily-probe") as deployment_id:
        def finished() -> dict | None:
            runs = prefect.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}},
                                                           "sort": "EXPECTED_START_TIME_ASC", "limit": 1}).json()
            done = runs and runs[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED")
            return runs[0] if done else None

        run = _poll("the probe's scheduled run", finished, PROBE_WAIT_S)
    assert run["state_type"] == "COMPLETED" and run["auto_scheduled"], run
    day = parse_time(run["expected_start_time"]).astimezone(UTC).date().isoformat()
    dsn = warehouse_dsn(native_placement(stack), credentials(stack))
    assert fingerprint(dsn, "prefect", PAIR) == expected_scheduled_daily(day)
