"""Prefect 3 over its REST API (`/api`): deployments are named `<pair>/<pair>`."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from comparisons.clients.base import POLL_INTERVAL_S, poll_until_terminal, request_with_retries
from comparisons.errors import LabError, UnknownPairError
from comparisons.store.runs import RunRecord, TaskRecord, parse_time
from comparisons.work_log import with_work

__all__ = ["PrefectClient"]

TERMINAL = {"COMPLETED": "success", "FAILED": "failed", "CRASHED": "failed", "CANCELLED": "failed"}
HARNESS_TAG = "lab-harness"
SETTLE_TIMEOUT_S = 15.0


def _task_name(run_name: str) -> str:
    """Prefect names task runs `<task>-<3 hex digits>`; the task's own name is the comparable part."""
    match = re.fullmatch(r"(.+)-[0-9a-f]{3}", run_name)
    return match.group(1) if match else run_name


class PrefectClient:
    name = "prefect"

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 poll_interval: float = POLL_INTERVAL_S, work_log: Path | None = None,
                 deployment_suffix: str = "") -> None:
        self._http = httpx.Client(base_url=base_url, timeout=30, transport=transport)
        self.deployment_suffix = deployment_suffix
        """`-served` addresses the deployments a `prefect.serve` process runs (`native.serving`), not the worker's."""
        self.work_log = work_log
        """Folder of the tasks' own clocks: each described run carries its measured calls."""
        self._deployments: dict[str, dict[str, Any]] = {}
        self.poll_interval = poll_interval
        self._version: str | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return request_with_retries(
            self._http, method, path, service="Prefect server", start_command="./lab up", **kwargs)

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

    def deployment(self, pair: str) -> dict[str, Any]:
        if pair not in self._deployments:
            response = self._call("GET", f"/deployments/name/{pair}/{pair}{self.deployment_suffix}")
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
        response = self._call("GET", f"/deployments/name/{pair}/{pair}{self.deployment_suffix}")
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
