"""The lab's trigger → done, checked against a clock it does not own.

A plain httpx client, sharing no code with the lab's clients, triggers the chain of 10 tasks on each
server (Airflow's DAG `bench_chain`) and brackets the run with its own clock. The server records
the trigger between the request leaving and its answer arriving, and the end before the first poll
that sees the run finished (but after the last poll that did not, less the moment a state's
timestamp precedes its commit). So the lab's figure for the same run, from the servers' timestamps,
lies at most at the bracket's outer edge (the trigger's request to the finished poll's answer) and
at least at its inner edge (the trigger's answer to the last unfinished poll's request), less 10 %
plus 0.5 s for that commit. The bracket takes the outside client's own request latencies out of
the check, so a busy machine widens it rather than failing it. Its runs carry the harness's marks
only so `./lab collect` does not take them for runs started from a UI.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from comparisons.clients.airflow import HARNESS_PREFIX, AirflowClient
from comparisons.clients.prefect import HARNESS_TAG, PrefectClient
from comparisons.metrics import total
from comparisons.runner import credentials
from comparisons.settings import LabSettings
from comparisons.stack.services import AIRFLOW_PORT, PREFECT_PORT
from shared_logic.bench import DEFAULT_CHAIN_LENGTH, chain_dag_id

pytestmark = pytest.mark.live
AIRFLOW = f"http://127.0.0.1:{AIRFLOW_PORT}"
PREFECT = f"http://127.0.0.1:{PREFECT_PORT}/api"
PAIR = "bench_chain"
LENGTH = DEFAULT_CHAIN_LENGTH
DAG_ID = chain_dag_id(LENGTH)
POLL_S = 0.1
TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Bracket:
    """The outside clock's bounds on a run's trigger → done, in seconds."""

    inner: float  # the trigger's answer → the request of the last poll that saw the run unfinished
    outer: float  # the trigger's request → the answer of the first poll that saw it finished


def _own_clock(trigger: Callable[[], str], finished: Callable[[str], bool]) -> tuple[str, Bracket]:
    """(run id, the bracket around its trigger → done)."""
    began = time.monotonic()
    run_id = trigger()
    triggered = last_unfinished = time.monotonic()
    while True:
        asked = time.monotonic()
        if finished(run_id):
            return run_id, Bracket(inner=max(0.0, last_unfinished - triggered), outer=time.monotonic() - began)
        last_unfinished = asked
        if asked - began > TIMEOUT_S:
            pytest.fail(f"{PAIR} run {run_id} did not finish within {TIMEOUT_S:.0f} s")
        time.sleep(POLL_S)


def _agree(lab_seconds: float | None, own: Bracket) -> None:
    assert lab_seconds is not None, "the lab recorded no trigger → done for the run"
    print(f"[outside clock] lab {lab_seconds:.2f} s, outside {own.inner:.2f}–{own.outer:.2f} s", file=sys.stderr)
    assert lab_seconds <= own.outer, (
        f"the lab's {lab_seconds:.2f} s is longer than the outside clock's {own.outer:.2f} s for the same run")
    # A state's timestamp is taken before the server commits it (Prefect's by the flow-run process,
    # Airflow's by the scheduler or task runner); 10 % plus half a second allows for that commit.
    assert own.inner - lab_seconds <= 0.10 * own.inner + 0.5, (
        f"the lab's trigger → done {lab_seconds:.2f} s is shorter than the outside clock's inner bound "
        f"{own.inner:.2f} s by more than 10 % + 0.5 s")


def test_airflow_trigger_to_done_matches_an_outside_clock(stack: LabSettings) -> None:
    env = credentials(stack)
    lab = AirflowClient(AIRFLOW, env["LAB_ADMIN_USERNAME"], env["LAB_ADMIN_PASSWORD"])
    lab.wait_for_dag(PAIR, DAG_ID)
    with httpx.Client(base_url=AIRFLOW, timeout=30) as http:
        token = http.post("/auth/token", json={"username": env["LAB_ADMIN_USERNAME"],
                                              "password": env["LAB_ADMIN_PASSWORD"]}).raise_for_status()
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        http.patch(f"/api/v2/dags/{DAG_ID}", json={"is_paused": False}).raise_for_status()

        def trigger() -> str:
            made = http.post(f"/api/v2/dags/{DAG_ID}/dagRuns", json={
                "dag_run_id": f"{HARNESS_PREFIX}clock_{uuid.uuid4().hex[:8]}", "logical_date": None, "conf": {}})
            return str(made.raise_for_status().json()["dag_run_id"])

        def finished(run_id: str) -> bool:
            state = http.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}").raise_for_status().json()["state"]
            return state in ("success", "failed")

        run_id, own = _own_clock(trigger, finished)
    record = lab.describe(PAIR, run_id, dag_id=DAG_ID)  # finished: the outside clock saw it end
    assert record.state == "success" and len(record.tasks) == LENGTH + 1
    _agree(total(record), own)


def test_prefect_trigger_to_done_matches_an_outside_clock(stack: LabSettings) -> None:
    lab = PrefectClient(PREFECT)
    deployment_id = lab.deployment(PAIR)["id"]
    with httpx.Client(base_url=PREFECT, timeout=30) as http:
        def trigger() -> str:
            body = {"parameters": {"length": LENGTH}, "tags": [HARNESS_TAG]}
            made = http.post(f"/deployments/{deployment_id}/create_flow_run", json=body)
            return str(made.raise_for_status().json()["id"])

        def finished(run_id: str) -> bool:
            state = http.get(f"/flow_runs/{run_id}").raise_for_status().json()["state"]
            return bool(state) and state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")

        run_id, own = _own_clock(trigger, finished)
    record = lab.wait(PAIR, run_id, timeout=60)  # the lab reads the finished run as it always does
    assert record.state == "success" and len(record.tasks) == LENGTH + 1
    _agree(total(record), own)
