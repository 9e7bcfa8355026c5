"""Run a benchmark plan: resumable, one record per measurement, progress on every step.

A session id lives in `.lab/bench-session.json` until the plan completes; running `./lab bench`
again resumes it, skipping every step that already has a record. Nothing is kept in memory that a
kill would lose: each step's record is on disk before the next step starts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from comparisons.bench.baseline import BASELINES, time_baseline
from comparisons.bench.calibration import calibrate
from comparisons.bench.plan import PROFILES, Step, plan
from comparisons.bench.processes import MemorySampler, side_usage
from comparisons.bench.served import PATHS, measure_served
from comparisons.clients.base import OrchestratorClient
from comparisons.clients.prefect import PrefectClient
from comparisons.errors import LabError
from comparisons.inside import INPROCESS_MODULES
from comparisons.metrics import total
from comparisons.pairs import discover
from comparisons.runner import alternate, clients, credentials, prepare_parameters, run_comparison
from comparisons.settings import LabSettings
from comparisons.stack import environments, hosts, native
from comparisons.stack.services import CONCURRENCY_CAPS, SCALE_OUT_CAPS, Profile, warehouse_dsn
from comparisons.store.bench import BenchRecord, load_bench, write_bench
from comparisons.store.comparison import load_comparisons
from comparisons.store.provenance import git_commit, host_info
from comparisons.store.runs import RunRecord

__all__ = ["sweep"]

Progress = Callable[[str], None]


def _session(settings: LabSettings, profile: str, stack_profile: str, new: bool) -> str:
    path = settings.state / "bench-session.json"
    if path.exists() and not new:
        saved = json.loads(path.read_text())
        if saved.get("profile") == profile and saved.get("stack_profile") == stack_profile:
            return str(saved["id"])
    session = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    path.write_text(json.dumps({"id": session, "profile": profile, "stack_profile": stack_profile}))
    return session


def _done_keys(settings: LabSettings, session: str) -> set[str]:
    comparisons, _ = load_comparisons(settings.results)
    done = {c.labels["key"] for _, c in comparisons if c.labels.get("bench_session") == session}
    records, _ = load_bench(settings.results)
    return done | {r.key for _, r in records if r.session == session and r.kind != "error"}


def _versions(sides: list[OrchestratorClient]) -> dict[str, str]:
    return {c.name: c.version() for c in sides}


def _burst(client: OrchestratorClient, pair: str, parameters: dict[str, Any], k: int,
           timeout: float) -> dict[str, Any]:
    """K runs triggered at once on one side: every one accounted for, and the time to drain.

    The K triggers are in flight together (one thread each; an Airflow trigger is three requests),
    and the spread from the first trigger sent to the last one answered is recorded beside the runs.
    """
    started = time.monotonic()

    def trigger(_: int) -> tuple[str, float]:
        return client.trigger(pair, parameters), time.monotonic() - started

    with ThreadPoolExecutor(max_workers=k) as pool:
        answered = list(pool.map(trigger, range(k)))
    run_ids = [run_id for run_id, _ in answered]
    records: list[RunRecord] = [client.wait(pair, run_id, timeout=timeout) for run_id in run_ids]
    return {
        "triggered": k, "distinct_run_ids": len(set(run_ids)),
        "succeeded": sum(r.state == "success" for r in records),
        "trigger_spread_s": max(seconds for _, seconds in answered),
        "harness_seconds": time.monotonic() - started,
        "runs": [r.to_json() for r in records],
    }


#: How each in-process workload makes each side's database (the runners' LAB_INPROCESS_DATABASE), tried in
#: order: `local` as a developer's repeated test (migrated once, reused), `fresh` as the very first run.
LOCAL_DATABASES: dict[str, dict[str, tuple[str, ...]]] = {
    "local": {"airflow": ("prepared",), "prefect": ("prepared",)},
    "fresh": {"airflow": ("none", "migrate"), "prefect": ("none",)},
}


def _in_process(settings: LabSettings, side: str, pair: str, env: dict[str, str], database: str) -> dict[str, Any]:
    started = time.monotonic()
    result = subprocess.run([str(settings.venv_bin(side, "python")), "-m", INPROCESS_MODULES[side], pair],
                            cwd=settings.root, env=env | {"LAB_INPROCESS_DATABASE": database},
                            capture_output=True, text=True, check=False)
    outcome = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}
    return {"seconds": time.monotonic() - started, "state": outcome.get("state", "crashed"), "database": database,
            "database_bytes": outcome.get("database_bytes"), "error": (outcome.get("error") or "")[:500] or None}


def _local_run(settings: LabSettings, kind: str, pair: str, dsn: str) -> dict[str, Any]:
    """A developer's local test: the pair run in-process (`dag.test()` / a plain flow call), timed with
    its process start, its database made as LOCAL_DATABASES says; later ways go under `then`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PREFECT_"))}
    env |= {"PYTHONPATH": str(settings.root), "LAB_WAREHOUSE_DSN": dsn}
    values: dict[str, Any] = {"pair": pair}
    for side, ways in LOCAL_DATABASES[kind].items():
        first, *later = [_in_process(settings, side, pair, env, way) for way in ways]
        values[side] = first | ({"then": later} if later else {})
    return values


def _install_cost(settings: LabSettings, progress: Progress) -> dict[str, Any]:
    """Size of each environment, and a fresh install from uv's warm cache, timed."""
    cost: dict[str, Any] = {}
    for name in ("airflow", "prefect"):
        size = subprocess.run(["du", "-sb", str(settings.venv(name))], capture_output=True, text=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"lab-install-{name}-"))
        try:
            started = time.monotonic()
            subprocess.run([shutil.which("uv") or "uv", "venv", "-q", "--python", "3.11", str(scratch)], check=True)
            subprocess.run([shutil.which("uv") or "uv", "pip", "sync", "-q", "--compile-bytecode", "--python",
                            str(scratch / "bin" / "python"), str(environments.lock_file(settings, name))], check=True)
            seconds = time.monotonic() - started
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        packages = sum(1 for line in environments.lock_file(settings, name).read_text().splitlines()
                       if line and not line.startswith((" ", "#")))
        cost[name] = {"size_mib": int(size.stdout.split()[0]) / 2**20, "install_warm_cache_s": seconds,
                      "packages": packages}
        progress(f"  {name}: {cost[name]['size_mib']:.0f} MiB, {packages} packages, "
                 f"install from warm cache {seconds:.1f} s")
    return cost


def _measure(settings: LabSettings, sides: list[OrchestratorClient], step: Step, session: str, dsn: str,
             host: dict[str, Any], versions: dict[str, str], stack_profile: str, timeout: float,
             sample_memory: bool) -> str:
    """Run one step and write its record; returns a one-line outcome."""
    cpu_before, wall_before = time.process_time(), time.monotonic()
    with MemorySampler(settings, enabled=sample_memory) as memory:
        if step.kind in LOCAL_DATABASES:
            values = _local_run(settings, step.kind, step.pair, dsn)
            outcome = ", ".join(f"{side} {values[side]['state']} in {values[side]['seconds']:.1f} s" + "".join(
                f", then ({then['database']}) {then['state']} in {then['seconds']:.1f} s"
                for then in values[side].get("then", [])) for side in ("airflow", "prefect"))
        elif step.kind == "served":
            prefect = next(c for c in sides if isinstance(c, PrefectClient))
            values = measure_served(settings, prefect, step, timeout)
            values["warmup"] = step.warmup
            seconds = {path: total(RunRecord.from_json(values["runs"][path])) for path in PATHS}
            outcome = ", ".join(f"{path} {'equal' if values['equal'][path] else 'NOT EQUAL'} in "
                                f"{seconds[path] or float('nan'):.1f} s" for path in PATHS)
        elif step.kind == "pair":
            parameters = prepare_parameters(sides, step.pair, step.parameters)
            labels = {"bench_session": session, "key": step.key, "workload": step.workload,
                      "size": step.size, "warmup": step.warmup, "repetition": step.repetition}
            if step.workers is not None:
                labels["workers"] = step.workers
            if step.link_ms is not None:
                labels["link_ms"] = step.link_ms
            comparison = run_comparison(settings, alternate(sides, step.repetition), step.pair, parameters,
                                        timeout=timeout, labels=labels)
            outcome = comparison.status
        else:
            parameters = prepare_parameters(sides, step.pair, step.parameters)
            values = {}
            for c in alternate([c for c in sides if c.name in step.sides], step.repetition):
                with native.measuring_only(settings, c.name):
                    values[c.name] = _burst(c, step.pair, parameters, step.size, timeout)
            values["order"] = list(values)
            values["size"] = step.size
            if step.workers is not None:
                values["workers"] = step.workers
            outcome = ", ".join(f"{n} {v['succeeded']}/{v['triggered']}" for n, v in values.items()
                                if isinstance(v, dict))
    harness_cpu, wall = time.process_time() - cpu_before, time.monotonic() - wall_before
    if step.kind in (*LOCAL_DATABASES, "served"):
        write_bench(settings.results, BenchRecord(step.kind, session, step.key, values, host, versions,
                                                  stack_profile))
    elif step.kind == "concurrent":
        values["harness_cpu_s"] = harness_cpu
        values["wall_s"] = wall
        write_bench(settings.results, BenchRecord("concurrent", session, step.key, values, host, versions,
                                                  stack_profile))
    elif sample_memory:
        write_bench(settings.results, BenchRecord("memory", session, step.key, {
            "peak_pss_mib": memory.peak(), "series": memory.series, "sampler_cpu_s": memory.sampler_cpu_s,
            "harness_cpu_s": harness_cpu, "wall_s": wall, "workload": step.workload, "size": step.size,
            "pair": step.pair}, host, versions, stack_profile))
    return outcome


#: The link re-reads its delay every half second: wait this long after changing it.
LINK_SETTLE_S = 1.5


def _reshape(settings: LabSettings, workers: int, session: str, stack_profile: Profile, host: dict[str, Any],
             versions: dict[str, str], done: set[str], progress: Progress, simulated_hosts: bool = False) -> None:
    """Restart the stack with `workers` a side (0: the default stack), on simulated hosts or not; the
    first time, record what it took."""
    shape = (f"{workers} workers a side" if workers else "the default stack") + \
        (" on simulated hosts" if simulated_hosts else "")
    flags = f"--scale-out {workers}" + (" --hosts" if simulated_hosts else "")
    progress(f"  restarting the stack with {shape} (`./lab up {flags}`)" if workers
             else f"  restarting the stack as {shape}")
    native.down(settings, progress=lambda line: None)
    healthy = native.up(settings, profile=stack_profile, scale_out=workers, simulated_hosts=simulated_hosts,
                        progress=lambda line: None)
    time.sleep(5)  # let start-up settle before reading idle memory, as the setup step does
    key = f"shape-w{workers}" + ("-hosts" if simulated_hosts else "")
    if key not in done:
        write_bench(settings.results, BenchRecord("shape", session, key, {
            "workers": workers, "simulated_hosts": simulated_hosts, "seconds_to_healthy": healthy,
            "idle": side_usage(settings),
            "caps": {side: [list(cap) for cap in caps] for side, caps in SCALE_OUT_CAPS.items()} if workers else {}},
            host, versions, stack_profile))
        done.add(key)
    progress(f"  {shape}: healthy in {sum(healthy.values()):.0f} s")


def sweep(settings: LabSettings, *, profile: str = "quick", stack_profile: Profile = "tuned",
          restart: bool = True, new: bool = False, timeout: float = 900.0, repeat: int | None = None,
          progress: Progress = print) -> tuple[str, list[str]]:
    """Measure everything the plan lists; returns the session id and the steps that failed."""
    session = _session(settings, profile, stack_profile, new)
    done = _done_keys(settings, session)
    host = host_info()
    progress(f"bench session {session} (plan {profile}, stack profile {stack_profile}); "
             f"{len(done)} steps already recorded")
    steps = plan(profile, [p.name for p in discover(settings)], repeat)
    first_shape = next((s.workers for s in steps if s.workers is not None), 0) or 0
    on_hosts = any(s.link_ms is not None for s in steps)
    if "setup" not in done:
        if restart:
            progress("restarting the stack to time it from cold processes")
            native.down(settings, progress=lambda line: None)
        healthy = native.up(settings, profile=stack_profile, scale_out=first_shape, simulated_hosts=on_hosts,
                            progress=progress)
        time.sleep(5)  # let start-up settle before reading idle memory
        idle = side_usage(settings)
        progress("machine calibration")
        calibration = calibrate()
        progress("install cost")
        values = {"seconds_to_healthy": healthy, "idle": idle, "install": _install_cost(settings, progress),
                  "calibration": calibration,
                  "restarted": restart, "git_commit": git_commit(settings.root),
                  "caps": {side: [list(cap) for cap in caps] for side, caps in CONCURRENCY_CAPS.items()},
                  "scale_out_caps": {side: [list(cap) for cap in caps] for side, caps in SCALE_OUT_CAPS.items()}
                  if first_shape else {},
                  "plan": {"name": profile, "repeat": repeat or PROFILES[profile].repeat,
                           "steps": [step.key for step in steps]}}
        write_bench(settings.results, BenchRecord("setup", session, "setup", values, host,
                                                  _versions(clients(settings)), stack_profile))
    elif native.current_profile(settings) != stack_profile:
        raise LabError(f"the running stack uses profile {native.current_profile(settings)}; "
                         f"restart it with `./lab up --profile {stack_profile}` or drop --no-restart")
    sides = clients(settings)
    versions = _versions(sides)
    memory_workloads = PROFILES[profile].memory_workloads
    dsn = warehouse_dsn(native.native_placement(settings), credentials(settings))
    failed: list[str] = []
    began = time.monotonic()
    for index, step in enumerate(steps, start=1):
        if step.key in done:
            continue
        minutes, seconds = divmod(round(time.monotonic() - began), 60)  # whole seconds: never "3 min 60 s"
        label = f"[{index}/{len(steps)} · {minutes} min {seconds:02d} s] {step.workload} " + (
            f"{step.pair} size {step.size} " + ("warm-up" if step.warmup else f"rep {step.repetition}"))
        progress(label)
        try:
            wanted = (step.workers, step.link_ms is not None)
            if step.workers is not None and wanted != (native.current_scale_out(settings),
                                                       native.current_hosts(settings)):
                _reshape(settings, step.workers, session, stack_profile, host, versions, done, progress,
                         simulated_hosts=step.link_ms is not None)
            if step.link_ms is not None and step.link_ms != hosts.current_delay(settings.run_dir):
                hosts.set_delay(settings.run_dir, step.link_ms)
                time.sleep(LINK_SETTLE_S)
                progress(f"  the link now adds {step.link_ms:g} ms to each round trip")
            outcome = _measure(settings, sides, step, session, dsn, host, versions, stack_profile, timeout,
                               sample_memory=step.workload in memory_workloads)
        except LabError as error:  # recorded, shown, and retried when the session resumes
            write_bench(settings.results, BenchRecord("error", session, f"{step.key}-{time.time_ns()}",
                                                      {"step": step.key}, host, versions, stack_profile,
                                                      error=str(error)))
            outcome = f"FAILED: {error}"
        if outcome.startswith("FAILED") or outcome in ("failed", "different") or "NOT EQUAL" in outcome:
            failed.append(f"{step.key}: {outcome}")
        progress(f"  {outcome}")
    for pair in BASELINES:
        key = f"baseline-{pair}"
        if key in done or pair not in {s.pair for s in steps}:
            continue
        sizes = sorted({(s.size, json.dumps(s.parameters, sort_keys=True)) for s in steps if s.pair == pair})
        timings = {str(size): time_baseline(pair, dsn, json.loads(params)) for size, params in sizes}
        write_bench(settings.results, BenchRecord("baseline", session, key, {"pair": pair, "seconds": timings},
                                                  host, versions, stack_profile))
        progress(f"baseline {pair}: " + ", ".join(f"size {k}: {min(v) * 1000:.1f} ms" for k, v in timings.items()))
    if failed:
        progress(f"bench session {session}: {len(failed)} step(s) failed; `./lab bench` retries them:")
        for line in failed:
            progress(f"  {line}")
        return session, failed
    elapsed = time.monotonic() - began
    progress("machine calibration, again")
    write_bench(settings.results, BenchRecord("summary", session, f"summary-{time.time_ns()}", {
        "steps": len(steps), "measured_now": len(steps) - len(done & {s.key for s in steps}),
        "wall_s": round(elapsed, 1), "profile": profile, "repeat": repeat or PROFILES[profile].repeat,
        "calibration": calibrate()},
        host, versions, stack_profile))
    (settings.state / "bench-session.json").unlink(missing_ok=True)
    progress(f"bench session {session} complete: {len(steps)} steps, {elapsed / 60:.1f} min after set-up")
    return session, failed

