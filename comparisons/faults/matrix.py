"""Run a fault scenario on each orchestrator in turn, watch what its server reports, record it.

For each side: trigger the pair, wait until the task named by the scenario has run a few
seconds, inject the fault, then read the run from the server every half second until it ends
(or the scenario's time is up, when the run is cancelled and called stuck). The record says
whether the server showed the failure and after how long, the state the run ended in, whether
it got there with no help beyond the restart the scenario includes, and whether the output
table holds exactly the expected rows, or none (never a partial or duplicated load).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from comparisons.clients.base import OrchestratorClient
from comparisons.errors import LabError
from comparisons.faults import inject
from comparisons.faults.scenarios import Scenario
from comparisons.runner import credentials, drop_outputs, harness_warehouse_dsn, prepare_parameters, read_output
from comparisons.settings import LabSettings
from comparisons.stack import native, postgres
from comparisons.store.fault import FaultRecord, write_fault
from comparisons.store.provenance import git_commit, host_info
from comparisons.store.runs import RunRecord

__all__ = ["run_scenario", "shape_for"]

Progress = Callable[[str], None]
OBSERVE_INTERVAL_S = 0.5
#: Task states that mean "this try failed" on either side (Airflow's, and Prefect's state types).
FAILED_TASK_STATES = {"failed", "up_for_retry", "upstream_failed", "crashed"}

INJECTIONS: dict[str, Callable[[LabSettings, str], inject.Injected]] = {
    "kill-task": inject.kill_task_processes,
    "kill-worker": inject.kill_worker,
    "restart-api": inject.restart_api,
    "restart-postgres": inject.restart_postgres,
    "stop-redis": inject.stop_redis,
}


def _now() -> datetime:
    return datetime.now(UTC)


def _failure_signal(record: RunRecord, tries_before: dict[str, int]) -> str | None:
    """What in the server's view shows a failure: a failed run, a failed or retried try."""
    if record.raw_state.lower() in ("failed", "crashed"):
        return f"run {record.raw_state}"
    for task in record.tasks:
        if task.state in FAILED_TASK_STATES:
            return f"task {task.name} {task.state}"
        if task.state == "scheduled" and task.start is not None:
            return f"task {task.name} awaiting retry"
        if task.tries > tries_before.get(task.name, 1):
            return f"task {task.name} try {task.tries}"
    return None


def _describe(client: OrchestratorClient, pair: str, run_id: str, notes: list[str]) -> RunRecord | None:
    """The run as the server sees it, or None while the server cannot answer (being restarted)."""
    try:
        return client.describe(pair, run_id)
    except LabError as error:
        note = f"server did not answer: {str(error).splitlines()[0]}"
        if note not in notes:
            notes.append(note)
        return None


def _wait_until_running(client: OrchestratorClient, pair: str, run_id: str, task: str,
                        timeout: float) -> RunRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = client.describe(pair, run_id)
        names = [t.name for t in record.tasks]
        target = task if task in names else (names[0] if names else None)
        # A short task may go from queued to done between two reads: it has run, which is what counts.
        if any(t.name == target and t.state in ("running", "success", "completed") for t in record.tasks):
            return record
        if record.state in ("success", "failed"):
            raise LabError(f"{client.name} run {pair}/{run_id} ended {record.raw_state} before task {task!r} "
                           f"ran long enough to be hit; give the pair a longer task (e.g. --param seconds=30).")
        time.sleep(0.2)
    raise LabError(f"{client.name} did not start task {task!r} of {pair}/{run_id} within {timeout:.0f} s; "
                   f"is the stack healthy (`./lab status`)?")


def _side_logs(settings: LabSettings, side: str, scenario: Scenario) -> list[str]:
    services = native.stack_services(scenario.scale_out)
    logs = [str(settings.log_file(s.name)) for s in services if s.side == side and not s.oneshot]
    if scenario.injection == "stop-redis":
        logs.append(str(settings.log_file("redis")))
    if scenario.injection == "restart-postgres":
        logs.append(str(postgres.CLUSTER_LOG))
    return logs


def _heal(settings: LabSettings) -> list[str]:
    """Bring back any service the fault left down, so the next scenario starts from a healthy stack."""
    broken = [row.name for row in native.status(settings) if not row.healthy]
    services = {s.name for s in native.running_services(settings) if not s.oneshot}
    if broken and set(broken) <= services and all(native.running_pid(settings, n) is None for n in broken):
        for name in broken:  # a worker the scenario left down: start just that one
            native.start_service(settings, name, progress=lambda line: None)
        return [f"after the scenario {', '.join(broken)} was down; the lab started it again"]
    if broken:
        native.up(settings, profile=native.current_profile(settings), scale_out=native.current_scale_out(settings),
                  progress=lambda line: None)
        return [f"after the scenario {', '.join(broken)} was not healthy; the lab restarted it"]
    return []


def _data_intact(expected: dict[str, Any] | None, found: dict[str, Any] | None, succeeded: bool) -> bool | None:
    if expected is None:
        return None  # the pair writes no table
    if found is None:
        return not succeeded  # a failed run may leave nothing; a successful one must leave its rows
    return found == expected


def _observe(settings: LabSettings, client: OrchestratorClient, scenario: Scenario, pair: str,
             parameters: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Trigger, inject, watch: what the record needs about the run."""
    run_id = client.trigger(pair, parameters)
    notes: list[str] = []
    timeline: list[dict[str, Any]] = []
    injected, injected_at, tries_before = inject.Injected("nothing: the fault is in the pipeline itself"), None, {}
    if scenario.injection != "none":
        before = _wait_until_running(client, pair, run_id, scenario.during_task, timeout=120)
        time.sleep(scenario.delay_s)
        tries_before = {t.name: t.tries for t in before.tasks}
        injected_at = _now()
        progress(f"  {client.name}: injecting {scenario.injection} into run {run_id}")
        if scenario.injection == "kill-one-worker":  # the worker the server says runs this run
            injected = inject.kill_one_worker(settings, client.name, client.work_pids(pair, run_id))
        else:
            injected = INJECTIONS[scenario.injection](settings, client.name)
        timeline.append({"at": injected_at.isoformat(), "event": injected.description})
    deadline = time.monotonic() + scenario.timeout_s
    detected_at, record, task_started = None, None, None
    while True:
        current = _describe(client, pair, run_id, notes)
        if current is not None:
            record = current
            # A retried Airflow task shows only its latest try: keep the first start seen.
            starts = [t.start for t in record.tasks if t.name == scenario.during_task and t.start]
            task_started = min([*starts, *([task_started] if task_started else [])], default=None)
            signal = _failure_signal(record, tries_before)
            if signal and detected_at is None:
                detected_at = _now()
                timeline.append({"at": detected_at.isoformat(), "event": f"server shows: {signal}"})
            if record.state in ("success", "failed"):
                break
        if time.monotonic() > deadline:
            state = record.raw_state if record else "unknown"
            notes.append(f"still {state} after {scenario.timeout_s:.0f} s: the lab cancelled the run")
            try:
                client.cancel(pair, run_id)
            except LabError as error:
                notes.append(f"cancelling failed too: {error}")
            return {"run_id": run_id, "record": record, "final": f"stuck ({state})", "injected": injected,
                    "injected_at": injected_at, "detected_at": detected_at, "timeline": timeline, "notes": notes}
        time.sleep(OBSERVE_INTERVAL_S)
    record = client.wait(pair, run_id, timeout=60)  # lets Prefect's task records settle
    timeline.append({"at": (record.end or _now()).isoformat(), "event": f"run ended {record.raw_state}"})
    if injected_at is None:  # the fault is raised inside a task: time it from that task's first start
        injected_at = task_started
    return {"run_id": run_id, "record": record, "final": record.raw_state, "injected": injected,
            "injected_at": injected_at, "detected_at": detected_at, "notes": notes,
            "timeline": sorted(timeline, key=lambda event: event["at"])}  # server and harness times, merged


def _burst(client: OrchestratorClient, pair: str, parameters: dict[str, Any], runs: int,
           progress: Progress) -> dict[str, Any]:
    since = _now()
    time.sleep(1.0)  # the server's clock must see every run of the burst after `since`
    run_ids = [client.trigger(pair, parameters) for _ in range(runs)]
    progress(f"  {client.name}: {runs} runs triggered; waiting for all to finish")
    records = [client.wait(pair, run_id, timeout=900) for run_id in run_ids]
    counted = client.count_runs_since(pair, since)
    succeeded = sum(r.state == "success" for r in records)
    created = [r.created for r in records if r.created]
    ends = [r.end for r in records if r.end]
    notes = [f"{len(set(run_ids))} distinct run ids returned for {runs} triggers; the server recorded "
             f"{counted} runs of {pair} since the burst began; {succeeded} succeeded"]
    return {"run_ids": run_ids, "records": records, "accounted": len(set(run_ids)) == runs == counted,
            "succeeded": succeeded, "drain_s": (max(ends) - min(created)).total_seconds() if ends else None,
            "notes": notes}


def shape_for(settings: LabSettings, scenario: Scenario, progress: Progress = print) -> None:
    """Change the running stack to the shape the scenario needs (in place, its profile kept)."""
    if (native.current_scale_out(settings), native.current_hosts(settings)) != (scenario.scale_out, False):
        shape = f"{scenario.scale_out} workers a side" if scenario.scale_out else "the default stack"
        progress(f"{scenario.name} needs {shape}: changing the stack's shape (`./lab up --scale-out`)")
        native.up(settings, profile=native.current_profile(settings), scale_out=scenario.scale_out,
                  progress=lambda line: progress(f"  {line}"))


def run_scenario(settings: LabSettings, sides: list[OrchestratorClient], scenario: Scenario, *,
                 pair: str | None = None, runs: int = 50, progress: Progress = print) -> list[FaultRecord]:
    """Run one scenario on every side it applies to, in turn, on the stack shape it needs; each side's
    record is on disk before the next starts."""
    from shared_logic.expected import EXPECTATIONS, expected_fingerprint

    sides = [client for client in sides if client.name in scenario.sides]
    shape_for(settings, scenario, progress)
    pair = pair or scenario.pair
    parameters = prepare_parameters(sides, pair, scenario.parameters)
    env = credentials(settings)
    dsn = harness_warehouse_dsn(settings, env)
    computed = expected_fingerprint(pair, env, **parameters) if pair in EXPECTATIONS else None
    expected = dict(computed) if computed else None
    records = []
    for client in sides:
        progress(f"{scenario.name} on {client.name}: {scenario.summary} ({pair})")
        drop_outputs(settings, pair, [client.name])
        if scenario.injection == "burst":
            seen = _burst(client, pair, parameters, runs, progress)
            found = read_output(dsn, client.name, pair)
            recovered = seen["accounted"] and seen["succeeded"] == runs
            record = FaultRecord(
                scenario=scenario.name, orchestrator=client.name, pair=pair, parameters={**parameters, "runs": runs},
                injection=f"{runs} runs triggered at once", run_ids=seen["run_ids"], detected=None, detect_s=None,
                final_state=f"{seen['succeeded']}/{runs} {'success' if recovered else 'ended'}",
                expected_state=scenario.expected_state, recovered=recovered,
                data_intact=seen["accounted"] and _data_intact(expected, found, True) is not False,
                output=found, expected_output=expected, drain_s=seen["drain_s"], notes=seen["notes"],
                logs=_side_logs(settings, client.name, scenario), urls=[seen["records"][0].url],
                version=client.version(), profile=native.current_profile(settings), host=host_info(),
                git_commit=git_commit(settings.root), scale_out=scenario.scale_out)
        else:
            seen = _observe(settings, client, scenario, pair, parameters, progress)
            run: RunRecord | None = seen["record"]
            succeeded = run is not None and run.state == "success" and not seen["final"].startswith("stuck")
            ended_as_expected = run is not None and not seen["final"].startswith("stuck") and \
                run.state == scenario.expected_state
            found = read_output(dsn, client.name, pair)
            detected_at, injected_at = seen["detected_at"], seen["injected_at"]
            detect_s = (detected_at - injected_at).total_seconds() if detected_at and injected_at else None
            seen["injected"].settle()  # a broker stopped for a while is back before the stack is checked
            notes = seen["notes"] + _heal(settings)
            if scenario.injection != "none" and detected_at is None and ended_as_expected:
                notes.insert(0, "no try failed: the run carried on through the fault")
            record = FaultRecord(
                scenario=scenario.name, orchestrator=client.name, pair=pair, parameters=parameters,
                injection=seen["injected"].description, run_ids=[seen["run_id"]],
                detected=detected_at is not None, detect_s=detect_s, final_state=seen["final"],
                expected_state=scenario.expected_state, recovered=ended_as_expected,
                data_intact=_data_intact(expected, found, succeeded), output=found, expected_output=expected,
                timeline=seen["timeline"], notes=notes, logs=_side_logs(settings, client.name, scenario),
                urls=[run.url] if run else [], version=client.version(), profile=native.current_profile(settings),
                host=host_info(), git_commit=git_commit(settings.root), scale_out=scenario.scale_out)
        path = write_fault(settings.results, record)
        detect = f"detected after {record.detect_s:.1f} s, " if record.detect_s is not None else ""
        progress(f"  {client.name}: {record.verdict}: {detect}ended {record.final_state}, data intact "
                 f"{record.data_intact}  → {path}")
        records.append(record)
    return records
