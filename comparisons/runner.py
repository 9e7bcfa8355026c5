"""Run pairs on both orchestrators, check their outputs agree, and store one record per comparison.

Correctness comes before timing: a comparison counts as `equal` only when both runs succeeded and
both output tables match the answer computed in plain Python (`shared_logic.expected`).
"""

from __future__ import annotations

import dataclasses
import operator
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from comparisons.clients.airflow import AirflowClient
from comparisons.clients.base import Handover, OrchestratorClient
from comparisons.clients.prefect import PrefectClient
from comparisons.errors import BadParametersError, LabError
from comparisons.pairs import Pair, resolve
from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.stack.native import current_profile, native_placement
from comparisons.stack.services import warehouse_dsn
from comparisons.store.comparison import Comparison, load_comparisons, write
from comparisons.store.provenance import git_commit, host_info
from comparisons.store.runs import RunRecord

if TYPE_CHECKING:
    from shared_logic.expected import Expectation

__all__ = ["alternate", "clients", "collect_ui_runs", "compare", "drop_outputs", "read_output", "run_pairs",
           "validate_parameters"]

Progress = Callable[[str], None]
JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def credentials(settings: LabSettings) -> dict[str, str]:
    """The lab's `.env` values (logins, database passwords), as the settings read them once."""
    return settings.secrets


def harness_warehouse_dsn(settings: LabSettings, env: Mapping[str, str]) -> str:
    """The warehouse as the harness reaches it (127.0.0.1 natively, `postgres` inside compose)."""
    placement = dataclasses.replace(native_placement(settings), postgres_host=settings.postgres_host)
    return warehouse_dsn(placement, env)


def clients(settings: LabSettings) -> list[OrchestratorClient]:
    secrets = credentials(settings)
    return [
        AirflowClient(settings.airflow_url, secrets["LAB_ADMIN_USERNAME"], secrets["LAB_ADMIN_PASSWORD"],
                      work_log=settings.work_log, start_command=settings.start_command),
        PrefectClient(settings.prefect_url, work_log=settings.work_log, start_command=settings.start_command),
    ]


def _is_type(value: Any, declared: str) -> bool:
    if isinstance(value, bool) and declared in ("integer", "number"):
        return False  # JSON Schema and Airflow refuse true for 1; Python counts bool as int
    return isinstance(value, JSON_TYPES.get(declared, object))


def _is_date(value: str) -> bool:
    """`format: date` as Airflow's jsonschema checks it: YYYY-MM-DD, and a real day."""
    try:
        return bool(ISO_DATE.fullmatch(value)) and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _problem(name: str, spec: Mapping[str, Any], value: Any) -> str | None:
    """What `value` breaks of one parameter's schema, for the keywords the lab's pipelines use; else None."""
    declared = spec.get("type")
    names = [declared] if isinstance(declared, str) else list(declared or [])
    if names and not any(_is_type(value, kind) for kind in names):
        return (f"must be {' or '.join(names)}, got {value!r} ({type(value).__name__}). "
                f"Example: --param {name}=<{names[0]}>")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    for keyword, refused, says in (("minimum", operator.lt, ">="), ("maximum", operator.gt, "<="),
                                   ("exclusiveMinimum", operator.le, ">"), ("exclusiveMaximum", operator.ge, "<")):
        bound = spec.get(keyword)
        if bound is not None and number and refused(value, bound):
            return f"must be {says} {bound}, got {value}"
    if isinstance(value, str):
        if len(value) < spec.get("minLength", 0):
            return f"must have at least {spec['minLength']} character(s), got {value!r}"
        if "maxLength" in spec and len(value) > spec["maxLength"]:
            return f"must have at most {spec['maxLength']} character(s), got {value!r}"
        if spec.get("format") == "date" and not _is_date(value):
            return f"must be a date as YYYY-MM-DD, got {value!r}"
    allowed = spec.get("enum")
    if allowed is not None and value not in allowed:
        return f"must be one of {', '.join(map(repr, allowed))}, got {value!r}"
    return None


def validate_parameters(pair: str, schemas: Mapping[str, Mapping[str, Any]],
                        given: Mapping[str, Any]) -> None:
    """Reject parameters before triggering: Prefect accepts unknown ones and the run then crashes.

    ``schemas`` maps orchestrator -> {parameter: JSON schema}; a parameter must exist on both
    sides and satisfy what both declare.
    """
    for orchestrator, schema in schemas.items():
        unknown = sorted(set(given) - set(schema))
        if unknown:
            raise BadParametersError(
                f"{pair} on {orchestrator} has no parameter {', '.join(map(repr, unknown))}. "
                f"It accepts: {', '.join(sorted(schema)) or '(none)'}.")
        for name, value in given.items():
            problem = _problem(name, schema[name], value)
            if problem:
                raise BadParametersError(f"{pair}: parameter {name!r} {problem}.")


def read_output(dsn: str, orchestrator: str, pair: str) -> dict[str, Any] | None:
    """Fingerprint of `<orchestrator>.<pair>` in the warehouse, or None if the table does not exist."""
    from shared_logic.warehouse import TableMissingError, fingerprint

    try:
        return dict(fingerprint(dsn, orchestrator, pair))
    except TableMissingError:
        return None


# A hook or callback may write its row a moment after its run has ended (Airflow runs DAG callbacks
# in the dag-processor; Prefect runs hooks after the final state is set): wait that long for a table.
OUTPUT_SETTLE_S = 30.0


def _outputs(dsn: str, orchestrators: list[str], pair: str, *, settle: bool) -> dict[str, dict[str, Any] | None]:
    deadline = time.monotonic() + (OUTPUT_SETTLE_S if settle else 0.0)
    while True:
        outputs = {name: read_output(dsn, name, pair) for name in orchestrators}
        if all(output is not None for output in outputs.values()) or time.monotonic() >= deadline:
            return outputs
        time.sleep(0.5)


def drop_outputs(settings: LabSettings, pair: str, orchestrators: Sequence[str] | None = None) -> None:
    """Drop the pair's output tables before a harness run, so a table left by an earlier run never counts."""
    import psycopg2
    from psycopg2 import sql

    from shared_logic.warehouse import ORCHESTRATORS

    conn = psycopg2.connect(harness_warehouse_dsn(settings, credentials(settings)), connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            for orchestrator in orchestrators or ORCHESTRATORS:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(orchestrator, pair)))
    finally:
        conn.close()


def _expectation(pair: str) -> Expectation:
    from shared_logic.expected import EXPECTATIONS, Expectation

    return EXPECTATIONS.get(pair, Expectation())


def compare(settings: LabSettings, pair: str, runs: Mapping[str, RunRecord],
            parameters: Mapping[str, Any], errors: dict[str, str], *, started_from: str) -> Comparison:
    """Judge two finished runs by the outputs they left in the warehouse."""
    from shared_logic.expected import expected_fingerprint

    expectation = _expectation(pair)
    env = credentials(settings)
    dsn = harness_warehouse_dsn(settings, env)
    computed = expected_fingerprint(pair, env, **parameters) if expectation.output else None
    expected = dict(computed) if computed else None
    as_expected = all(run.state == expectation.state for run in runs.values())
    outputs = _outputs(dsn, list(runs), pair, settle=expected is not None and as_expected)
    if any(run.state != expectation.state for run in runs.values()):
        status = "failed"
    elif errors:  # each run ended as expected, but a check of what followed failed (its alert)
        status = "different"
    elif expected is None or all(output == expected for output in outputs.values()):
        status = "equal"
    else:
        status = "different"
    return Comparison(
        pair=pair, parameters=dict(parameters), runs=dict(runs), outputs=outputs, expected=expected,
        status=status, errors=errors, started_from=started_from, profile=current_profile(settings),
        git_commit=git_commit(settings.root), host=host_info())


#: How long a pair's landing event may take to start its downstream run; both servers take seconds.
DOWNSTREAM_TIMEOUT_S = 120.0


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds(), 3)


def handover_label(upstream: RunRecord, handover: Handover, downstream: RunRecord) -> dict[str, Any]:
    """What a comparison keeps of a chain besides the downstream run it judges (`labels["handover"][side]`):
    the upstream run's record, the event, and the seconds from the event to the downstream run's
    creation, start and end, all from the servers' own timestamps (`Handover` says which)."""
    return {
        "upstream": upstream.to_json(), "downstream": handover.downstream, "event": handover.event,
        "event_id": handover.event_id, "event_at": handover.event_at.isoformat(),
        "event_received_at": handover.received_at.isoformat() if handover.received_at else None,
        "event_to_created_s": _seconds(handover.event_at, downstream.created),
        "event_to_start_s": _seconds(handover.event_at, downstream.start),
        "event_to_done_s": _seconds(handover.event_at, downstream.end),
    }


def follow_downstream(client: OrchestratorClient, pair: str, upstream: RunRecord, *, timeout: float,
                      follow_timeout: float = DOWNSTREAM_TIMEOUT_S) -> tuple[RunRecord, dict[str, Any]]:
    """The run a pair's run started by its landing event, waited for until done, and the handover's label."""
    downstream = _expectation(pair).downstream
    assert downstream is not None, f"{pair} starts no downstream pipeline"
    handover = client.follow(pair, upstream, downstream, timeout=follow_timeout)
    record = client.wait(pair, handover.run_id, timeout=timeout)
    # The server says an event started it; the chain was started by whoever started the upstream run.
    record = dataclasses.replace(record, started_from=upstream.started_from)
    return record, handover_label(upstream, handover, record)


def _run_one(settings: LabSettings, client: OrchestratorClient, pair: str, parameters: Mapping[str, Any],
             timeout: float) -> tuple[RunRecord, str | None, dict[str, Any]]:
    """Trigger the pair and wait for it; for a pair with a downstream pipeline, follow on to the run
    its landing started and return that one (the upstream run goes into the handover label); for a
    pair that alerts, wait for its alert too, so the other side stays paused until it arrived.
    Returns the judged run, the error if it did not end as expected, and this side's labels."""
    expected = _expectation(pair)
    if expected.downstream:
        client.expect_downstream(pair, expected.downstream)
    run_id = client.trigger(pair, parameters)
    record = client.wait(pair, run_id, timeout=timeout)
    labels: dict[str, Any] = {}
    if expected.downstream and record.state == "success":
        record, labels["handover"] = follow_downstream(client, pair, record, timeout=timeout)
    error = None
    if record.state != expected.state:
        error = client.failure_excerpt(record) or f"run ended {record.raw_state}; see {record.url}"
    elif expected.alerts:
        labels["alert"], error = follow_alert(settings, client.name, record)
    return record, error, labels


#: How long a failed run's alert may take to reach the receiver; both servers take seconds.
ALERT_TIMEOUT_S = 60.0
#: Who sends each side's alert, and where to look when none arrives.
ALERT_SENDERS: Mapping[str, tuple[str, str]] = {
    "airflow": ("the DAG's on_failure_callback notifier, run by the dag-processor", "airflow-dag-processor"),
    "prefect": ("the automation of config/automations/failure-alert.json, run by the server "
                "(the Prefect UI's Automations page shows its actions)", "prefect-server"),
}


def follow_alert(settings: LabSettings, side: str, run: RunRecord, *,
                 timeout: float = ALERT_TIMEOUT_S) -> tuple[dict[str, Any] | None, str | None]:
    """Wait for the alert that names `run` to reach the receiver: its label (`labels["alert"][side]`) and
    an error if none came or its link does not open the run. Failure → alert is from the run's `end`
    (the server's end of the run) to the receiver's clock on arrival."""
    from comparisons.alert_receiver import latest_deliveries

    dsn = harness_warehouse_dsn(settings, credentials(settings))
    since = (run.created or run.end or datetime.now().astimezone()) - timedelta(seconds=1)
    deadline = time.monotonic() + timeout
    while True:
        named = (d for d in latest_deliveries(dsn, side, since=since) if d.payload.get("run_id") == run.run_id)
        delivery = next(named, None)
        if delivery is not None or time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    sender, log = ALERT_SENDERS[side]
    if delivery is None:
        return None, (f"no alert about run {run.run_id} reached the alert receiver within {timeout:.0f} s. "
                      f"It is sent by {sender}: see {settings.log_file(log)} and {settings.log_file('alert-receiver')}")
    url = str(delivery.payload.get("url") or "")
    label = {"received_at": delivery.received_at.isoformat(),
             "failure_to_alert_s": _seconds(run.end, delivery.received_at),
             "payload": delivery.payload, "link_opens_run": bool(url) and run.run_id in unquote(url)}
    error = None if label["link_opens_run"] else f"the alert's link {url!r} does not open run {run.run_id}"
    return label, error


def _describe(comparison: Comparison) -> str:
    parts = []
    for name, run in comparison.runs.items():
        seconds = (run.end - run.created).total_seconds() if run.end and run.created else float("nan")
        part = f"{name} {run.raw_state.lower()} in {seconds:.1f} s"
        if handover := comparison.labels.get("handover", {}).get(name):
            started, done = (f"{v:.1f} s" if v is not None else "—"
                             for v in (handover["event_to_start_s"], handover["event_to_done_s"]))
            part += f" (its event → {handover['downstream']} started {started}, done {done})"
        if (alert := comparison.labels.get("alert", {}).get(name)) and alert["failure_to_alert_s"] is not None:
            part += f" (alert received {alert['failure_to_alert_s']:.1f} s after)"
        parts.append(part)
    return f"{comparison.status.upper():<9} " + ", ".join(parts)


def run_comparison(settings: LabSettings, sides: list[OrchestratorClient], pair: str,
                   parameters: Mapping[str, Any], *, timeout: float = 300.0,
                   labels: Mapping[str, Any] | None = None) -> Comparison:
    """Run one pair on each side in turn, in the order of `sides`, judge the outputs, store the record.

    For a pair whose run starts a downstream pipeline (`Expectation.downstream`, the event_driven
    pair), each side's judged run is the downstream one, the chain's end; the upstream run it
    followed from is kept, with the event and its figures, in `labels["handover"][side]`.
    While one side runs, the other's processes are paused (`native.measuring_only`), so neither
    takes CPU from the other; the record's labels say the order and how many processes were paused.
    """
    runs, errors, paused, per_side = {}, {}, {}, {}
    drop_outputs(settings, pair)
    for client in sides:
        with native.measuring_only(settings, client.name) as paused[client.name]:
            runs[client.name], error, side_labels = _run_one(settings, client, pair, parameters, timeout)
        if error:
            errors[client.name] = error
        for key, value in side_labels.items():
            if value is not None:
                per_side.setdefault(key, {})[client.name] = value
    comparison = compare(settings, pair, runs, parameters, errors, started_from="harness")
    comparison = dataclasses.replace(comparison, labels={
        **(labels or {}), "order": [c.name for c in sides], "other_side_paused_processes": paused, **per_side})
    write(settings.results, comparison)
    return comparison


def alternate(sides: list[OrchestratorClient], repetition: int) -> list[OrchestratorClient]:
    """Which side goes first alternates per repetition, so neither always runs on a warmer machine."""
    return list(sides) if repetition % 2 == 1 else list(reversed(sides))


def prepare_parameters(sides: list[OrchestratorClient], pair: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Validate `given` against both servers' schemas and fill in the defaults."""
    validate_parameters(pair, {c.name: c.parameter_schema(pair, given) for c in sides}, given)
    return {**sides[0].parameters(pair), **given}


def run_pairs(settings: LabSettings, pairs: list[Pair], given: Mapping[str, Any], *, repeat: int = 1,
              timeout: float = 300.0, progress: Progress = print) -> list[Comparison]:
    """Run each pair `repeat` times on both sides, one side after the other so neither slows the other."""
    sides = clients(settings)
    done = []
    for pair in pairs:
        parameters = prepare_parameters(sides, pair.name, given)
        if downstream := _expectation(pair.name).downstream:  # a missing trigger fails before anything runs
            for client in sides:
                client.expect_downstream(pair.name, downstream)
        for attempt in range(1, repeat + 1):
            ordered = alternate(sides, attempt)
            progress(f"{pair.name} [{attempt}/{repeat}] running on {ordered[0].name}, then {ordered[1].name} …")
            comparison = run_comparison(settings, ordered, pair.name, parameters, timeout=timeout)
            progress(f"  {_describe(comparison)}  → results/{comparison.created_at[:10]}/")
            for name, error in comparison.errors.items():
                progress(f"  {name}: {error}")
            done.append(comparison)
    return done


#: UI-started runs are finished when collected: their downstream runs exist, or follow within seconds.
UI_DOWNSTREAM_TIMEOUT_S = 30.0


def collect_ui_runs(settings: LabSettings, progress: Progress = print) -> list[Comparison]:
    """Pair the newest UI-started run of each side, once, and store it like a harness comparison."""
    try:
        sides = clients(settings)
        for client in sides:
            client.version()
    except LabError as error:
        progress(f"(not looking for UI-started runs: {error})")
        return []
    loaded, _ = load_comparisons(settings.results)
    seen = {run.run_id for _, c in loaded for run in c.runs.values()}
    seen |= {h["upstream"]["run_id"] for _, c in loaded for h in c.labels.get("handover", {}).values()}
    found = []
    for pair in resolve(settings, []):
        try:
            run_ids = {c.name: c.latest_ui_run(pair.name) for c in sides}
        except LabError:
            continue
        if None in run_ids.values() or seen & set(run_ids.values()):  # type: ignore[arg-type]
            continue
        runs = {c.name: c.describe(pair.name, run_ids[c.name]) for c in sides}  # type: ignore[arg-type]
        parameters = runs["prefect"].parameters or runs["airflow"].parameters  # the upstream runs' parameters
        handovers = {}
        if _expectation(pair.name).downstream:  # judge the runs the UI-started ones led to, as the harness does
            try:
                for client in (c for c in sides if runs[c.name].state == "success"):
                    runs[client.name], handovers[client.name] = follow_downstream(
                        client, pair.name, runs[client.name], timeout=UI_DOWNSTREAM_TIMEOUT_S,
                        follow_timeout=UI_DOWNSTREAM_TIMEOUT_S)
            except LabError as error:
                progress(f"{pair.name}: UI-started runs not paired: {error}")
                continue
        expected_state = _expectation(pair.name).state
        errors = {c.name: c.failure_excerpt(runs[c.name]) for c in sides if runs[c.name].state != expected_state}
        alerts = {}
        for client in (c for c in sides if _expectation(pair.name).alerts and c.name not in errors):
            alerts[client.name], error = follow_alert(settings, client.name, runs[client.name],
                                                      timeout=UI_DOWNSTREAM_TIMEOUT_S)
            if error:
                errors[client.name] = error
        comparison = compare(settings, pair.name, runs, parameters, errors, started_from="ui")
        labels = {"handover": handovers, "alert": {k: v for k, v in alerts.items() if v}}
        if any(labels.values()):
            comparison = dataclasses.replace(comparison, labels={k: v for k, v in labels.items() if v})
        write(settings.results, comparison)
        progress(f"{pair.name}: paired UI-started runs → {comparison.status}")
        found.append(comparison)
    return found
