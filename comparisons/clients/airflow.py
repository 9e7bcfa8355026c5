"""Airflow 3 over its public REST API (`/api/v2`), authenticated with a JWT from `/auth/token`."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
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
from comparisons.errors import AuthError, BadParametersError, DownstreamMissingError, LabError, UnknownPairError
from comparisons.pairs import airflow_dag_id
from comparisons.stack.services import NATIVE_START_COMMAND
from comparisons.store.runs import RunRecord, TaskRecord, parse_time
from comparisons.work_log import with_work

__all__ = ["AirflowClient"]

TERMINAL = {"success": "success", "failed": "failed"}
HARNESS_PREFIX = "lab__"


class AirflowClient:
    name = "airflow"

    def __init__(self, base_url: str, username: str, password: str, *,
                 transport: httpx.BaseTransport | None = None, poll_interval: float = POLL_INTERVAL_S,
                 work_log: Path | None = None, start_command: str = NATIVE_START_COMMAND) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=30, transport=transport)
        self.start_command = start_command
        """Named in the error when the server does not answer (`LabSettings.start_command`)."""
        self.work_log = work_log
        """Folder of the tasks' own clocks: each described run carries its measured calls."""
        self._username = username
        self._password = password
        self._token: str | None = None
        self.poll_interval = poll_interval
        self._version: str | None = None
        self._dag_of_run: dict[str, str] = {}
        """run id -> DAG id, where a pair's parameters picked another DAG than the pair's name."""

    def _authenticate(self) -> None:
        response = request_with_retries(
            self._http, "POST", "/auth/token", service="Airflow api-server", start_command=self.start_command,
            json={"username": self._username, "password": self._password})
        if response.status_code in (401, 403):
            raise AuthError(
                f"Airflow refused the login of user {self._username!r}. The lab reads the credentials "
                f"from .env (LAB_ADMIN_USERNAME, LAB_ADMIN_PASSWORD); if you changed them, restart with "
                f"`./lab down && ./lab up`.")
        response.raise_for_status()
        self._token = response.json()["access_token"]

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._token is None:
            self._authenticate()
        extra_headers = kwargs.pop("headers", {})
        for _ in range(2):
            response = request_with_retries(
                self._http, method, path, service="Airflow api-server", start_command=self.start_command,
                headers={"Authorization": f"Bearer {self._token}", **extra_headers}, **kwargs)
            if response.status_code != 401:
                return response
            self._authenticate()  # token expired
        raise AuthError("Airflow rejected a fresh token; check that every Airflow service shares the JWT secret.")

    def _json(self, method: str, path: str, pair: str, **kwargs: Any) -> Any:
        response = self._call(method, path, **kwargs)
        if response.status_code == 404:
            raise UnknownPairError(
                f"Airflow has no DAG for {pair!r} yet. Is airflow_dags/{pair}.py there and free of import "
                f"errors? See Airflow's UI (Dags > import errors) or .lab/logs/airflow-dag-processor.log.")
        if response.status_code >= 400:
            raise LabError(f"Airflow answered {response.status_code} to {method} {path}: {response.text[:500]}")
        return response.json()

    def version(self) -> str:
        """The server's version, asked once: every run record carries it."""
        if self._version is None:
            self._version = str(self._json("GET", "/api/v2/version", "")["version"])
        return self._version

    def wait_for_dag(self, pair: str, dag_id: str | None = None, *, timeout: float = 60.0) -> None:
        """Wait until the dag-processor has parsed the pair's file (new files take a refresh interval)."""
        dag_id = dag_id or pair
        deadline = time.monotonic() + timeout
        while True:
            response = self._call("GET", f"/api/v2/dags/{dag_id}")
            if response.status_code == 200:
                return
            if time.monotonic() > deadline:
                self._json("GET", f"/api/v2/dags/{dag_id}", pair)  # raises the explanatory error
            time.sleep(1.0)

    def parameters(self, pair: str) -> dict[str, Any]:
        details = self._json("GET", f"/api/v2/dags/{pair}/details", pair)
        return {name: spec.get("value") for name, spec in (details.get("params") or {}).items()}

    def parameter_schema(self, pair: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        try:  # the DAG these parameters would run: bench_chain's length picks one
            dag_id = airflow_dag_id(pair, given or {})
        except ValueError as exc:
            raise BadParametersError(f"{pair}: {exc}") from exc
        details = self._json("GET", f"/api/v2/dags/{dag_id}/details", pair)
        return {name: spec.get("schema", {}) for name, spec in (details.get("params") or {}).items()}

    def _dag(self, pair: str, run_id: str) -> str:
        return self._dag_of_run.get(run_id, pair)

    def trigger(self, pair: str, parameters: Mapping[str, Any]) -> str:
        try:
            dag_id = airflow_dag_id(pair, parameters)
        except ValueError as exc:
            raise LabError(str(exc)) from exc
        self.wait_for_dag(pair, dag_id)
        self._json("PATCH", f"/api/v2/dags/{dag_id}", pair, json={"is_paused": False})
        run_id = f"{HARNESS_PREFIX}{uuid.uuid4().hex[:12]}"
        body = {"dag_run_id": run_id, "logical_date": None, "conf": dict(parameters)}
        created = str(self._json("POST", f"/api/v2/dags/{dag_id}/dagRuns", pair, json=body)["dag_run_id"])
        if dag_id != pair:
            self._dag_of_run[created] = dag_id
        return created

    def expect_downstream(self, pair: str, downstream: str) -> None:
        """The consumer DAG parsed and unpaused: the scheduler creates no asset-triggered run of a paused DAG."""
        self.wait_for_dag(pair, downstream)
        self._json("PATCH", f"/api/v2/dags/{downstream}", pair, json={"is_paused": False})

    def follow(self, pair: str, run: RunRecord, downstream: str, *, timeout: float) -> Handover:
        """The `downstream` run created from an asset event of `run` (`created_dagruns` of its asset events)."""
        dag_id = self._dag(pair, run.run_id)
        seen: list[str] = []

        def find() -> Handover | None:
            # Asked with _call, not _json: a run the scheduler has only just created can make the
            # listing fail for a moment; that is "not yet", and the wait stays bounded.
            response = self._call("GET", "/api/v2/assets/events", params={
                "source_dag_id": dag_id, "source_run_id": run.run_id, "order_by": "timestamp", "limit": 50})
            if response.status_code != 200:
                seen[:] = [f"the asset events could not be read ({response.status_code})"]
                return None
            events = response.json()["asset_events"]
            seen[:] = [f"asset event {e['id']} of {e['uri']}" for e in events]
            for event in events:
                for started in event["created_dagruns"]:
                    if started["dag_id"] == downstream:
                        self._dag_of_run[started["run_id"]] = downstream
                        return Handover(downstream=downstream, run_id=started["run_id"], event_id=str(event["id"]),
                                        event=f"asset {event['uri']}", event_at=parse_time(event["timestamp"]))
            return None

        def missing() -> DownstreamMissingError:
            found = ", ".join(seen) if seen else "no asset event at all (did its outlet task succeed?)"
            return DownstreamMissingError(
                f"Airflow: no run of DAG {downstream} was started by the asset events of {dag_id}/{run.run_id} "
                f"within {timeout:.0f} s (waited for a dag run in the events' created_dagruns; found {found}). "
                f"Is {downstream} scheduled on that Asset and free of import errors? "
                f"See .lab/logs/airflow-scheduler.log and .lab/logs/airflow-dag-processor.log.")

        return poll_until_found(find, interval=self.poll_interval, timeout=timeout, missing=missing)

    def _task_instances(self, pair: str, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of a run: the API pages at 100, a fan-out has more."""
        found: list[dict[str, Any]] = []
        while True:
            page = self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", pair,
                              params={"limit": 100, "offset": len(found)})
            found += page["task_instances"]
            if not page["task_instances"] or len(found) >= int(page.get("total_entries", 0)):
                return found

    def work_pids(self, pair: str, run_id: str) -> list[int]:
        """Each running task instance's `pid`: the task's own process, under its worker's supervisor."""
        return [int(ti["pid"]) for ti in self._task_instances(pair, self._dag(pair, run_id), run_id)
                if ti["state"] == "running" and ti.get("pid")]

    def describe(self, pair: str, run_id: str, *, dag_id: str | None = None) -> RunRecord:
        """The run as the server stored it; `dag_id` for a run of the pair's family this client did not trigger."""
        dag_id = dag_id or self._dag(pair, run_id)
        run = self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", pair)
        tasks = tuple(sorted(
            (TaskRecord(name=ti["task_id"], state=str(ti["state"]), start=parse_time(ti["start_date"]),
                        end=parse_time(ti["end_date"]), tries=int(ti.get("try_number") or 1),
                        map_index=int(ti.get("map_index", -1)))
             for ti in self._task_instances(pair, dag_id, run_id)),
            key=lambda t: (t.start is None, t.start or 0, t.name, t.map_index)))
        raw = str(run["state"])
        return with_work(RunRecord(
            orchestrator=self.name, version=self.version(), pair=pair, run_id=run_id,
            state=TERMINAL.get(raw, "queued" if raw == "queued" else "running"), raw_state=raw,
            created=parse_time(run.get("queued_at") or run.get("run_after")),
            start=parse_time(run.get("start_date")), end=parse_time(run.get("end_date")),
            tasks=tasks, parameters=dict(run.get("conf") or {}),
            started_from="harness" if run_id.startswith(HARNESS_PREFIX) else "ui",
            url=f"{self._http.base_url}/dags/{dag_id}/runs/{run_id}"), self.work_log)

    def wait(self, pair: str, run_id: str, *, timeout: float) -> RunRecord:
        dag_id = self._dag(pair, run_id)

        def state() -> str:
            return str(self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", pair)["state"])

        def still_running(raw: str) -> LabError:
            return LabError(f"Airflow run {dag_id}/{run_id} was still {raw} after {timeout:.0f} s. "
                            f"Is the scheduler up (`./lab status`)? See .lab/logs/airflow-scheduler.log.")

        _, cost = poll_until_terminal(state, TERMINAL, interval=self.poll_interval, timeout=timeout,
                                      still_running=still_running)
        return dataclasses.replace(self.describe(pair, run_id), harness=cost)

    def cancel(self, pair: str, run_id: str) -> None:
        """Mark a run that will never finish by itself failed, so it holds no slot and no scheduler loop."""
        dag_id = self._dag(pair, run_id)
        self._json("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", pair, json={"state": "failed"})

    def count_runs_since(self, pair: str, since: datetime) -> int:
        """How many runs of the pair the server has recorded since `since` (UTC), whoever started them."""
        page = self._json("GET", f"/api/v2/dags/{pair}/dagRuns", pair,
                          params={"run_after_gte": since.isoformat(), "limit": 1})
        return int(page["total_entries"])

    def latest_ui_run(self, pair: str) -> str | None:
        runs = self._json("GET", f"/api/v2/dags/{pair}/dagRuns", pair,
                          params={"order_by": "-run_after", "limit": 50})["dag_runs"]
        for run in runs:
            if not run["dag_run_id"].startswith(HARNESS_PREFIX) and run["state"] in TERMINAL:
                return str(run["dag_run_id"])
        return None

    def failure_excerpt(self, record: RunRecord) -> str:
        failed = [t for t in record.tasks if t.state in ("failed", "upstream_failed")]
        if not failed:
            return ""
        task = failed[0]
        dag_id = self._dag(record.pair, record.run_id)
        response = self._call(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{record.run_id}/taskInstances/{task.name}/logs/{task.tries}",
            params={"full_content": "true", "map_index": task.map_index}, headers={"Accept": "application/json"})
        if response.status_code != 200:
            return f"task {task.name} failed (its log could not be read: {response.status_code}); see {record.url}"
        lines = []
        for entry in response.json().get("content", []):
            if not isinstance(entry, dict):
                continue
            lines.append(str(entry.get("event", "")))
            for error in entry.get("error_detail") or []:
                lines.append(f"{error.get('exc_type')}: {error.get('exc_value')}")
        return f"task {task.name} failed; last log lines:\n" + "\n".join(line for line in lines[-12:] if line)
