"""Prefect 3 over its REST API (`/api`): deployments are named `<pair>/<pair>`."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from comparisons.clients.base import (
    POLL_INTERVAL_S,
    Handover,
    poll_until_found,
    poll_until_terminal,
    request_with_retries,
)
from comparisons.errors import DownstreamMissingError, LabError, UnknownPairError
from comparisons.stack.services import NATIVE_START_COMMAND
from comparisons.store.runs import RunRecord, TaskRecord, parse_time
from comparisons.work_log import with_work

__all__ = ["PrefectClient"]

TERMINAL = {"COMPLETED": "success", "FAILED": "failed", "CRASHED": "failed", "CANCELLED": "failed"}
HARNESS_TAG = "lab-harness"
SETTLE_TIMEOUT_S = 15.0
#: What the server emits when an automation's action ran; it relates the run started and the triggering event.
ACTION_EXECUTED = "prefect.automation.action.executed"


def _task_name(run_name: str) -> str:
    """Prefect names task runs `<task>-<3 hex digits>`; the task's own name is the comparable part."""
    match = re.fullmatch(r"(.+)-[0-9a-f]{3}", run_name)
    return match.group(1) if match else run_name


class PrefectClient:
    name = "prefect"

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 poll_interval: float = POLL_INTERVAL_S, work_log: Path | None = None,
                 deployment_suffix: str = "", start_command: str = NATIVE_START_COMMAND) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=30, transport=transport)
        self.start_command = start_command
        """Named in the error when the server does not answer (`LabSettings.start_command`)."""
        self.deployment_suffix = deployment_suffix
        """`-served` addresses the deployments a `prefect.serve` process runs (`native.serving`), not the worker's."""
        self.work_log = work_log
        """Folder of the tasks' own clocks: each described run carries its measured calls."""
        self._deployments: dict[str, dict[str, Any]] = {}
        self.poll_interval = poll_interval
        self._version: str | None = None
        self._triggers: dict[str, list[dict[str, Any]]] = {}
        """downstream deployment -> the event triggers of its enabled automations."""

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return request_with_retries(
            self._http, method, path, service="Prefect server", start_command=self.start_command, **kwargs)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._call(method, path, **kwargs)
        if response.status_code >= 400:
            raise LabError(f"Prefect answered {response.status_code} to {method} {path}: {response.text[:500]}")
        return response.json()

    def version(self) -> str:
        """The server's version, asked once: every run record carries it."""
        if self._version is None:
            self._version = str(self._json("GET", "/admin/version"))
        return self._version

    def _deployment_path(self, pair: str) -> str:
        return f"/deployments/name/{pair}/{pair}{self.deployment_suffix}"

    def deployment(self, pair: str) -> dict[str, Any]:
        if pair not in self._deployments:
            response = self._call("GET", self._deployment_path(pair))
            if response.status_code == 404 and self.deployment_suffix:
                raise UnknownPairError(
                    f"Prefect has no deployment {pair}/{pair}{self.deployment_suffix}: the `prefect.serve` "
                    f"process registers it when it starts; see .lab/logs/prefect-serve.log.")
            if response.status_code == 404:
                raise UnknownPairError(
                    f"Prefect has no deployment {pair}/{pair}. Is prefect_flows/{pair}.py there? "
                    f"Register it with `./lab deploy` (or `./lab up`); see .lab/logs/prefect-deploy.log.")
            response.raise_for_status()
            self._deployments[pair] = response.json()
        return self._deployments[pair]

    def is_polled(self, pair: str) -> bool:
        """Whether the pair's deployment exists and something polls for its runs (Prefect says READY)."""
        response = self._call("GET", self._deployment_path(pair))
        return response.status_code == 200 and response.json().get("status") == "READY"

    def parameters(self, pair: str) -> dict[str, Any]:
        schema = self.deployment(pair).get("parameter_openapi_schema") or {}
        return {name: spec.get("default") for name, spec in (schema.get("properties") or {}).items()}

    def parameter_schema(self, pair: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        schema = self.deployment(pair).get("parameter_openapi_schema") or {}
        return dict(schema.get("properties") or {})

    def trigger(self, pair: str, parameters: Mapping[str, Any]) -> str:
        deployment_id = self.deployment(pair)["id"]
        run = self._json("POST", f"/deployments/{deployment_id}/create_flow_run",
                         json={"parameters": dict(parameters), "tags": [HARNESS_TAG]})
        return str(run["id"])

    def _event_triggers(self, downstream: str, *, enabled_only: bool) -> list[dict[str, Any]]:
        """The event triggers of the automations that run the `downstream` deployment."""
        deployment_id = self.deployment(downstream)["id"]
        automations = self._json("GET", f"/automations/related-to/prefect.deployment.{deployment_id}")
        return [a["trigger"] for a in automations
                if (a.get("enabled") or not enabled_only) and a["trigger"].get("type") == "event"
                and a["trigger"].get("expect")
                and any(action.get("type") == "run-deployment" for action in a.get("actions", []))]

    def expect_downstream(self, pair: str, downstream: str) -> None:
        """The downstream deployment exists and an enabled automation of its runs it on an event."""
        triggers = self._event_triggers(downstream, enabled_only=True)
        if not triggers:
            raise DownstreamMissingError(
                f"Prefect: deployment {downstream}/{downstream} has no enabled automation that runs it on an "
                f"event, so {pair} would start nothing. Its trigger is declared under `triggers:` in "
                f"prefect_flows/prefect.yaml; register it with `./lab deploy` (log: .lab/logs/prefect-deploy.log).")
        self._triggers[downstream] = triggers

    def _events(self, names: list[str], related: str, since: datetime) -> list[dict[str, Any]]:
        page = self._json("POST", "/events/filter", json={"limit": 50, "filter": {
            "occurred": {"since": since.isoformat()}, "event": {"name": names}, "related": {"id": [related]}}})
        return list(page["events"])

    def follow(self, pair: str, run: RunRecord, downstream: str, *, timeout: float) -> Handover:
        """The `downstream` flow run an automation started on an event `run` emitted.

        Two steps through the server's event log: the events `run` emitted (related to its flow
        run) that the deployment's trigger expects, then the automation's `action.executed` event
        whose triggering event is one of them, which relates the flow run it created.
        """
        # The events to look for are those the deployment's triggers expect (enabled now or not:
        # one disabled since the run landed is then reported as "started nothing").
        triggers = self._triggers.get(downstream) or self._event_triggers(downstream, enabled_only=False)
        if not triggers:
            self.expect_downstream(pair, downstream)  # raises, saying where the trigger is declared
        names = sorted({name for trigger in triggers for name in trigger["expect"]})
        since = (run.created or run.start or datetime.now().astimezone()) - timedelta(minutes=1)
        deployment = f"prefect.deployment.{self.deployment(downstream)['id']}"
        emitted: list[dict[str, Any]] = []

        def find() -> Handover | None:
            emitted[:] = self._events(names, f"prefect.flow-run.{run.run_id}", since)
            for event in emitted:
                for executed in self._events([ACTION_EXECUTED], f"prefect.event.{event['id']}", since):
                    related = {r["prefect.resource.role"]: r["prefect.resource.id"] for r in executed["related"]}
                    if related.get("target") == deployment and "flow-run" in related:
                        return Handover(
                            downstream=downstream, run_id=related["flow-run"].removeprefix("prefect.flow-run."),
                            event_id=str(event["id"]),
                            event=f"{event['event']} of {event['resource']['prefect.resource.id']}",
                            event_at=parse_time(event["occurred"]), received_at=parse_time(event.get("received")))
            return None

        def missing() -> DownstreamMissingError:
            found = (f"event(s) {', '.join(e['id'] for e in emitted)} emitted, none of them started it" if emitted
                     else f"no {' or '.join(names)} event related to the run at all (did its task emit it?)")
            return DownstreamMissingError(
                f"Prefect: no flow run of deployment {downstream}/{downstream} was started from the events of "
                f"{pair} run {run.run_id} within {timeout:.0f} s (waited for an automation's {ACTION_EXECUTED} "
                f"naming one of them; {found}). Is the automation enabled (UI: Automations)? "
                f"See .lab/logs/prefect-server.log, whose triggers service runs automations.")

        return poll_until_found(find, interval=self.poll_interval, timeout=timeout, missing=missing)

    def _task_runs(self, run_id: str) -> list[dict[str, Any]]:
        """Every task run of a flow run, page by page (the API returns at most 200 at a time)."""
        found: list[dict[str, Any]] = []
        while True:
            page = self._json("POST", "/task_runs/filter", json={
                "flow_runs": {"id": {"any_": [run_id]}}, "sort": "EXPECTED_START_TIME_ASC", "limit": 200,
                "offset": len(found)})
            found += page
            if len(page) < 200:
                return found

    def work_pids(self, pair: str, run_id: str) -> list[int]:
        """The flow run's `infrastructure_pid` (`<host>:<pid>`, set by the process worker that started it)."""
        found = str(self._json("GET", f"/flow_runs/{run_id}").get("infrastructure_pid") or "")
        pid = found.rpartition(":")[2]
        return [int(pid)] if pid.isdigit() else []

    def describe(self, pair: str, run_id: str) -> RunRecord:
        run = self._json("GET", f"/flow_runs/{run_id}")
        tasks = tuple(
            TaskRecord(name=_task_name(tr["name"]),
                       state=str(tr["state_type"]).lower(), start=parse_time(tr.get("start_time")),
                       end=parse_time(tr.get("end_time")), tries=int(tr.get("run_count") or 1))
            for tr in self._task_runs(run_id))
        raw = str(run["state_type"])
        return with_work(RunRecord(
            orchestrator=self.name, version=self.version(), pair=pair, run_id=run_id,
            state=TERMINAL.get(raw, "queued" if raw in ("SCHEDULED", "PENDING") else "running"),  # type: ignore[arg-type]
            raw_state=raw, created=parse_time(run.get("created")),
            start=parse_time(run.get("start_time")), end=parse_time(run.get("end_time")),
            tasks=tasks, parameters=dict(run.get("parameters") or {}),
            started_from="harness" if HARNESS_TAG in (run.get("tags") or []) else "ui",
            url=f"{str(self._http.base_url).removesuffix('/api/')}/runs/flow-run/{run_id}",
            # Why a run ended badly, in the server's words ("Flow run infrastructure exited with …").
            error=(run.get("state") or {}).get("message") if raw in ("CRASHED", "FAILED") else None),
            self.work_log)

    def wait(self, pair: str, run_id: str, *, timeout: float) -> RunRecord:
        def state() -> str:
            return str(self._json("GET", f"/flow_runs/{run_id}")["state_type"])

        def still_running(raw: str) -> LabError:
            return LabError(f"Prefect run {pair}/{run_id} was still {raw} after {timeout:.0f} s. "
                            f"Is the worker up (`./lab status`)? See .lab/logs/prefect-worker.log.")

        _, cost = poll_until_terminal(state, TERMINAL, interval=self.poll_interval, timeout=timeout,
                                      still_running=still_running)
        record = self.describe(pair, run_id)
        # Task-run records are written asynchronously: a COMPLETED flow can still lack some task
        # runs, or show them without an end time, for a moment. Wait until two reads agree and
        # every task has ended.
        settle_deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < settle_deadline:
            time.sleep(0.5)
            again = self.describe(pair, run_id)
            if len(again.tasks) == len(record.tasks) and all(t.end is not None for t in again.tasks):
                return dataclasses.replace(again, harness=cost)
            record = again
        return dataclasses.replace(record, harness=cost)

    def cancel(self, pair: str, run_id: str) -> None:
        """Force a run that will never finish by itself to CANCELLED, so it holds no concurrency slot."""
        self._json("POST", f"/flow_runs/{run_id}/set_state", json={
            "state": {"type": "CANCELLED", "name": "Cancelled", "message": "abandoned by the lab's fault harness"},
            "force": True})

    def count_runs_since(self, pair: str, since: datetime) -> int:
        """How many runs of the pair's deployment the server has recorded since `since` (UTC)."""
        return int(self._json("POST", "/flow_runs/count", json={
            "deployments": {"id": {"any_": [self.deployment(pair)["id"]]}},
            "flow_runs": {"expected_start_time": {"after_": since.isoformat()}}}))

    def latest_ui_run(self, pair: str) -> str | None:
        deployment_id = self.deployment(pair)["id"]
        runs = self._json("POST", "/flow_runs/filter", json={
            "deployments": {"id": {"any_": [deployment_id]}},
            "flow_runs": {"state": {"type": {"any_": list(TERMINAL)}}},
            "sort": "EXPECTED_START_TIME_DESC", "limit": 50})
        for run in runs:
            if HARNESS_TAG not in (run.get("tags") or []):
                return str(run["id"])
        return None

    def failure_excerpt(self, record: RunRecord) -> str:
        logs = self._json("POST", "/logs/filter", json={
            "logs": {"flow_run_id": {"any_": [record.run_id]}, "level": {"ge_": 30}},
            "sort": "TIMESTAMP_ASC", "limit": 50})
        lines = "\n".join(entry["message"] for entry in logs).splitlines()
        text = "\n".join(lines[-12:])
        if "Process exited with status code" in text or not text:
            text += "\n(the cause is in the worker's log: .lab/logs/prefect-worker.log)"
        return text.strip()
