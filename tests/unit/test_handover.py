"""Following a pair's run to the run its landing event started (the event_driven pair), with no server.

The clients against mock transports shaped like Airflow's asset events and Prefect's event log; the
runner against a fake client. A downstream run that never appears must end the wait, bounded in
time and in requests, with an error naming the side, what was waited for and the log to read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from comparisons.clients.airflow import AirflowClient
from comparisons.clients.base import Handover, poll_until_found
from comparisons.clients.prefect import PrefectClient
from comparisons.errors import DownstreamMissingError, LabError
from comparisons.runner import _run_one
from comparisons.settings import LabSettings
from comparisons.store.runs import RunRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def record(pair: str, run_id: str, state: str = "success", **times: datetime) -> RunRecord:
    return RunRecord(orchestrator="airflow", version="3.3.2", pair=pair, run_id=run_id, state=state,  # type: ignore[arg-type]
                     raw_state=state, created=times.get("created", T0), start=times.get("start", T0),
                     end=times.get("end", T0))


PRODUCER = record("event_driven", "lab__p1")


class AirflowServer:
    """Asset events of the producer run: none for `quiet` polls, then one that created the consumer run."""

    def __init__(self, quiet: int, creates: bool = True) -> None:
        self.quiet, self.creates, self.polls = quiet, creates, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/auth/token":
            return httpx.Response(201, json={"access_token": "t"})
        if path == "/api/v2/assets/events":
            assert request.url.params["source_dag_id"] == "event_driven"
            assert request.url.params["source_run_id"] == "lab__p1"
            self.polls += 1
            if self.polls <= self.quiet:
                return httpx.Response(200, json={"asset_events": [], "total_entries": 0})
            started = [{"run_id": "asset_triggered__c1", "dag_id": "event_driven_consumer"}] if self.creates else []
            return httpx.Response(200, json={"asset_events": [{
                "id": 7, "uri": "airflow.event_driven_landing", "timestamp": "2026-01-01T00:00:10.5Z",
                "created_dagruns": started}], "total_entries": 1})
        if path == "/api/v2/version":
            return httpx.Response(200, json={"version": "3.3.2"})
        if path == "/api/v2/dags/event_driven_consumer/dagRuns/asset_triggered__c1":
            return httpx.Response(200, json={"dag_run_id": "asset_triggered__c1", "state": "success",
                                             "queued_at": "2026-01-01T00:00:11Z", "start_date": "2026-01-01T00:00:12Z",
                                             "end_date": "2026-01-01T00:00:15Z", "conf": {}})
        if path == "/api/v2/dags/event_driven_consumer/dagRuns/asset_triggered__c1/taskInstances":
            return httpx.Response(200, json={"task_instances": [], "total_entries": 0})
        return httpx.Response(500, text=f"unexpected {request.method} {path}")


def airflow(server: AirflowServer) -> AirflowClient:
    return AirflowClient("http://af", "admin", "right", transport=httpx.MockTransport(server), poll_interval=0.001)


def test_airflow_follows_the_asset_event_to_the_consumer_run_and_describes_that_dag() -> None:
    client = airflow(AirflowServer(quiet=2))
    handover = client.follow("event_driven", PRODUCER, "event_driven_consumer", timeout=5)
    assert (handover.run_id, handover.event_id) == ("asset_triggered__c1", "7")
    assert handover.event_at == datetime(2026, 1, 1, 0, 0, 10, 500000, tzinfo=UTC)
    consumer = client.describe("event_driven", handover.run_id)  # found under the consumer's DAG, not the pair's
    assert consumer.url.endswith("/dags/event_driven_consumer/runs/asset_triggered__c1")


@pytest.mark.parametrize(("creates", "said"), [(False, "asset event 7 of airflow.event_driven_landing"),
                                                (True, "no asset event at all")])
def test_airflow_consumer_that_never_appears_is_a_bounded_wait_with_a_clear_error(creates: bool, said: str) -> None:
    server = AirflowServer(quiet=10**6 if said.startswith("no") else 0, creates=creates)
    with pytest.raises(DownstreamMissingError) as error:
        airflow(server).follow("event_driven", PRODUCER, "event_driven_consumer", timeout=0.05)
    message = str(error.value)
    assert message.startswith("Airflow:") and "DAG event_driven_consumer" in message and said in message
    assert "created_dagruns" in message and ".lab/logs/airflow-scheduler.log" in message
    assert server.polls <= 0.05 / 0.001 + 1


class PrefectServer:
    """An event log: the producer run's landing event, then the automation's action.executed naming the run."""

    def __init__(self, automations: list[dict[str, Any]], executed: bool = True) -> None:
        self.automations, self.executed, self.event_polls = automations, executed, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/deployments/name/event_driven_consumer/event_driven_consumer":
            return httpx.Response(200, json={"id": "dep-c"})
        if path == "/api/automations/related-to/prefect.deployment.dep-c":
            return httpx.Response(200, json=self.automations)
        if path == "/api/events/filter":
            wanted = json.loads(request.content)["filter"]
            self.event_polls += 1
            if wanted["event"]["name"] == ["lab.orders.landed"]:
                assert wanted["related"]["id"] == ["prefect.flow-run.p1"]
                return httpx.Response(200, json={"events": [{
                    "id": "ev1", "event": "lab.orders.landed", "occurred": "2026-01-01T00:00:10Z",
                    "received": "2026-01-01T00:00:10.1Z", "resource": {"prefect.resource.id": "lab.landing"}}]})
            assert wanted["event"]["name"] == ["prefect.automation.action.executed"]
            assert wanted["related"]["id"] == ["prefect.event.ev1"]
            related = [{"prefect.resource.id": "prefect.deployment.dep-c", "prefect.resource.role": "target"},
                       {"prefect.resource.id": "prefect.flow-run.c1", "prefect.resource.role": "flow-run"}]
            return httpx.Response(200, json={"events": [{"related": related}] if self.executed else []})
        return httpx.Response(500, text=f"unexpected {request.method} {path}")


TRIGGERED = [{"enabled": True, "trigger": {"type": "event", "expect": ["lab.orders.landed"]},
              "actions": [{"type": "run-deployment"}]}]


def prefect(server: PrefectServer) -> PrefectClient:
    return PrefectClient("http://pf/api", transport=httpx.MockTransport(server), poll_interval=0.001)


def test_prefect_follows_the_event_through_the_automation_to_the_consumer_run() -> None:
    client = prefect(PrefectServer(TRIGGERED))
    client.expect_downstream("event_driven", "event_driven_consumer")
    handover = client.follow("event_driven", record("event_driven", "p1"), "event_driven_consumer", timeout=5)
    assert (handover.run_id, handover.event_id) == ("c1", "ev1")
    assert handover.event_at == datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC)
    assert handover.event == "lab.orders.landed of lab.landing"


@pytest.mark.parametrize("automations", [[], [{**TRIGGERED[0], "enabled": False}]])
def test_prefect_without_an_enabled_trigger_says_where_it_is_declared(automations: list[dict[str, Any]]) -> None:
    said = r"^Prefect: .*event_driven_consumer.*prefect\.yaml.*\./lab deploy"
    with pytest.raises(DownstreamMissingError, match=said):
        prefect(PrefectServer(automations)).expect_downstream("event_driven", "event_driven_consumer")


def test_prefect_consumer_that_never_starts_is_a_bounded_wait_with_a_clear_error() -> None:
    server = PrefectServer(TRIGGERED, executed=False)
    with pytest.raises(DownstreamMissingError) as error:
        prefect(server).follow("event_driven", record("event_driven", "p1"), "event_driven_consumer", timeout=0.05)
    message = str(error.value)
    assert message.startswith("Prefect:") and "event_driven_consumer/event_driven_consumer" in message
    assert "ev1 emitted, none of them started it" in message and ".lab/logs/prefect-server.log" in message
    assert server.event_polls <= 2 * (0.05 / 0.001 + 1)


def test_poll_until_found_is_bounded_in_calls_when_the_clock_stands_still(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("comparisons.clients.base.time.monotonic", lambda: 0.0)
    monkeypatch.setattr("comparisons.clients.base.time.sleep", lambda seconds: None)
    calls: list[int] = []
    with pytest.raises(LabError, match="gone"):
        poll_until_found(lambda: calls.append(1), interval=1.0, timeout=5.0, missing=lambda: LabError("gone"))
    assert len(calls) == 6


class FakeClient:
    """Just enough of a client for the runner: the producer run, then the consumer its event started."""

    name = "airflow"

    def __init__(self, producer_state: str) -> None:
        self.producer_state, self.calls = producer_state, []

    def expect_downstream(self, pair: str, downstream: str) -> None:
        self.calls.append(("expect", downstream))

    def trigger(self, pair: str, parameters: dict[str, Any]) -> str:
        return "p1"

    def wait(self, pair: str, run_id: str, *, timeout: float) -> RunRecord:
        if run_id == "p1":
            return record(pair, "p1", self.producer_state, end=T0.replace(second=10))
        return record(pair, run_id, created=T0.replace(second=11), start=T0.replace(second=12),
                      end=T0.replace(second=15))

    def follow(self, pair: str, run: RunRecord, downstream: str, *, timeout: float) -> Handover:
        self.calls.append(("follow", run.run_id))
        return Handover(downstream=downstream, run_id="c1", event_id="7", event="asset x",
                        event_at=T0.replace(second=10, microsecond=500000))

    def failure_excerpt(self, run: RunRecord) -> str:
        return f"{run.run_id} failed"


SETTINGS = LabSettings.from_environment()  # only an alerting pair reads it (its warehouse)


def test_the_runner_judges_the_consumer_run_and_keeps_the_producer_and_the_event_figures() -> None:
    client = FakeClient("success")
    judged, error, labels = _run_one(SETTINGS, client, "event_driven", {}, timeout=5)  # type: ignore[arg-type]
    handover = labels.get("handover")
    assert judged.run_id == "c1" and error is None
    assert client.calls == [("expect", "event_driven_consumer"), ("follow", "p1")]
    assert handover is not None and handover["upstream"]["run_id"] == "p1"
    figures = ("event_to_created_s", "event_to_start_s", "event_to_done_s")
    assert tuple(handover[name] for name in figures) == (0.5, 1.5, 4.5)


def test_a_failed_producer_is_the_judged_run_and_nothing_is_followed() -> None:
    client = FakeClient("failed")
    judged, error, labels = _run_one(SETTINGS, client, "event_driven", {}, timeout=5)  # type: ignore[arg-type]
    assert judged.run_id == "p1" and error == "p1 failed" and labels == {}
    assert ("follow", "p1") not in client.calls


def test_a_pair_without_a_downstream_is_not_followed() -> None:
    client = FakeClient("success")
    judged, _, labels = _run_one(SETTINGS, client, "etl_basic", {}, timeout=5)  # type: ignore[arg-type]
    assert judged.run_id == "p1" and labels == {} and client.calls == []


def test_the_run_line_says_the_event_figures_and_survives_a_consumer_that_never_started() -> None:
    from comparisons.runner import _describe
    from comparisons.store.comparison import Comparison

    consumer = record("event_driven", "c1", "failed", end=T0.replace(second=3))
    handovers = {"airflow": {"downstream": "event_driven_consumer", "event_to_start_s": 0.42, "event_to_done_s": 3.0},
                 "prefect": {"downstream": "event_driven_consumer", "event_to_start_s": None, "event_to_done_s": None}}
    line = _describe(Comparison(pair="event_driven", parameters={}, runs={"airflow": consumer, "prefect": consumer},
                                outputs={}, expected=None, status="failed", labels={"handover": handovers}))
    assert "airflow failed in 3.0 s (its event → event_driven_consumer started 0.4 s, done 3.0 s)" in line
    assert "prefect failed in 3.0 s (its event → event_driven_consumer started —, done —)" in line
