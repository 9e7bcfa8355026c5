"""`./lab` commands. Errors the user can fix are printed as one message, never a traceback."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from comparisons.errors import BadParametersError, LabError, SetupError
from comparisons.faults.scenarios import SCENARIOS
from comparisons.settings import LabSettings
from comparisons.stack.services import DEFAULT_PROFILE, PROFILES, SCALE_OUT_MAX, check_scale_out

__all__ = ["main"]

PROFILE_HELP = ("stock: the vendors' defaults; tuned (default): the lab's low-latency settings; robust: tuned plus "
                "fast detection of dead work (docs/profiles.md)")

# Commands that create files under the state folder (`.lab/`): checked writable before they start anything.
WRITES_STATE = frozenset({"all", "setup", "up", "deploy", "bench", "drift", "test"})


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _json_value(raw: str) -> Any:
    """`raw` as JSON, else the text itself.

    Python's json also reads NaN, Infinity and 1e400 (as inf), and fails with a bare ValueError on an
    int of over 4300 digits and a RecursionError on deep nesting: none of these can travel in a JSON
    request body, so they stay text, which the parameter check then refuses by name.
    """
    try:
        return json.loads(raw, parse_float=_finite, parse_constant=_not_json)
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        return raw


def _parse_params(items: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BadParametersError(f"--param expects KEY=VALUE, got {item!r} (e.g. --param n_rows=200).")
        params[key] = _json_value(raw)
    return params


def _positive(text: str) -> int:
    """argparse type for counts: a clear message instead of a run that does nothing."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _scale_out(text: str) -> int:
    """argparse type for `--scale-out`: workers per orchestrator, refused outside the allowed range."""
    try:
        return check_scale_out(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers, got {text!r}") from None
    except SetupError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _delay_ms(text: str) -> float:
    """argparse type for `--link-delay-ms`: milliseconds, 0 to 1000."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds, got {text!r}") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{value:g} ms is out of range: give 0 to 1000")
    return value


def cmd_setup(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.stack import environments

    print("Environments (uv, locked)")
    if args.lock:
        environments.lock(settings)
    environments.sync(settings)
    return 0


def cmd_up(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.stack import environments, hosts, native, postgres

    if args.link_delay_ms is not None and not args.hosts:
        raise SetupError("--link-delay-ms is the delay between the simulated hosts and the control plane: "
                         "give --hosts (and --scale-out N) too.")
    native.stack_services(args.scale_out, args.hosts)  # a shape that cannot be is refused before anything starts
    postgres.require_binaries()
    print("Environments (uv, locked)")
    environments.sync(settings, ("airflow", "prefect"))
    started = time.monotonic()
    native.up(settings, profile=args.profile, scale_out=args.scale_out, simulated_hosts=args.hosts)
    if args.hosts:
        hosts.set_delay(settings.run_dir, args.link_delay_ms or 0.0)
        print(f"The workers' link adds {args.link_delay_ms or 0:g} ms to each round trip (docs/scale-out.md).")
    print(f"Stack healthy in {time.monotonic() - started:.0f} s.")
    return cmd_status(settings, args)


def cmd_down(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.stack import native

    stopped = native.down(settings)
    print("Stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def cmd_deploy(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.stack import native

    native.deploy(settings)
    return 0


def cmd_compose(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.stack import compose

    return compose.main(settings.root)


def cmd_status(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.stack import native
    from comparisons.stack.secrets import read_env_file

    rows = native.status(settings)
    width = max(len(r.name) for r in rows)
    for row in rows:
        state = "healthy" if row.healthy else ("running, not healthy" if row.running else "stopped")
        pid = f"pid {row.pid}" if row.pid else ""
        print(f"{row.name:<{width}}  {state:<21} {pid:<10} {row.url or ''}")
    user = read_env_file(settings.env_file).get("LAB_ADMIN_USERNAME", "admin")
    print(f"\nAirflow UI: http://127.0.0.1:8080  (user {user!r}; password: `./lab credentials`)")
    print("Prefect UI: http://127.0.0.1:4200  (no login)")
    print(f"Logs: {settings.logs}/")
    return 0 if all(r.healthy for r in rows) else 1


def cmd_credentials(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.stack.secrets import read_env_file

    values = read_env_file(settings.env_file)
    if not values:
        raise LabError(f"{settings.env_file} does not exist yet: `./lab up` creates it (in docker compose, "
                       "the lab-secrets job on `docker compose up`).")
    print(f"Airflow UI  http://127.0.0.1:8080  user {values['LAB_ADMIN_USERNAME']}  "
          f"password {values['LAB_ADMIN_PASSWORD']}")
    return 0


def cmd_pairs(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.pairs import discover, unpaired

    for pair in discover(settings):
        print(f"{pair.name:<24} {pair.summary}")
    for folder, names in unpaired(settings).items():
        for name in names:
            print(f"warning: {folder}/{name}.py has no twin; it is not part of any pair", file=sys.stderr)
    return 0


def cmd_run(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.pairs import resolve
    from comparisons.runner import run_pairs

    pairs = resolve(settings, args.pairs)
    comparisons = run_pairs(settings, pairs, _parse_params(args.param), repeat=args.repeat,
                            timeout=args.timeout)
    failed = [c for c in comparisons if c.status != "equal"]
    return 1 if failed else 0


def cmd_collect(settings: LabSettings, args: argparse.Namespace) -> int:
    """Its own step, so that `report` stays a pure function of the stored files."""
    from comparisons.runner import collect_ui_runs

    found = collect_ui_runs(settings)
    print(f"{len(found)} new pair(s) of UI-started runs stored in {settings.results}/; `./lab report` shows them.")
    return 0 if all(c.status == "equal" for c in found) else 1


def cmd_report(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.report.build import build_report

    html, markdown = build_report(settings)
    print(f"Report: {html}\n        {markdown}")
    return 0


def cmd_screenshots(settings: LabSettings, args: argparse.Namespace) -> int:
    """The README's UI path in Chromium, saving what each UI shows for the report and the README."""
    from comparisons.stack.secrets import read_env_file
    from comparisons.ui_tour import TOUR_PAIR, take_tour

    secrets = read_env_file(settings.env_file)
    if not secrets:
        raise LabError(f"{settings.env_file} does not exist yet: start the lab with `./lab up` first.")
    folder = settings.screenshots
    tour = take_tour(secrets["LAB_ADMIN_USERNAME"], secrets["LAB_ADMIN_PASSWORD"], TOUR_PAIR, folder)
    for run in (tour.airflow_run, tour.prefect_run):
        print(f"{run.orchestrator}: {TOUR_PAIR} {run.run_id} {run.state} in the UI  {run.url}")
    print(f"Screenshots: {folder}/ (the docs and `./lab report` show them; `./lab collect` pairs these two runs)")
    return 0 if tour.airflow_run.succeeded and tour.prefect_run.succeeded else 1


def cmd_all(settings: LabSettings, args: argparse.Namespace) -> int:
    """The main job: environments, stack, every pair on both sides, report; its cost is recorded."""
    from comparisons import first_run
    from comparisons.pairs import resolve
    from comparisons.report.build import build_report
    from comparisons.runner import collect_ui_runs, run_pairs
    from comparisons.settings import SIDES
    from comparisons.stack import environments, native, postgres

    began = time.time()
    postgres.require_binaries()
    pairs = resolve(settings, [])
    cold = not all((settings.state / "venvs" / side / "bin" / "python").exists() for side in SIDES)
    record = first_run.FirstRun(cold=cold, package_cache=os.environ.get("LAB_UV_CACHE_WAS_WARM") == "1",
                                pairs=len(pairs), repeat=args.repeat, equal=0)

    def phase(name: str, started: float) -> None:
        record.phases[name] = round(time.time() - started, 1)

    print("Environments (uv, locked)")
    started = time.time()
    environments.sync(settings, ("airflow", "prefect"))
    phase(first_run.ENVIRONMENTS, started)
    started = time.time()
    native.up(settings, profile=args.profile)
    phase(first_run.STACK_UP, started)
    started = time.time()
    comparisons = run_pairs(settings, pairs, {}, repeat=args.repeat, timeout=args.timeout)
    collect_ui_runs(settings)
    phase(first_run.PAIRS, started)
    started = time.time()
    html, markdown = build_report(settings)
    phase(first_run.REPORT, started)
    record.equal = sum(c.status == "equal" for c in comparisons)
    stored = first_run.finish(record, settings, began)
    print(f"\nReport: {html}\n        {markdown}")
    print(f"`./lab all` took {record.total_s / 60:.1f} min ({stored.relative_to(settings.root)}).")
    print("The stack is still up: open the UIs (`./lab status`), or stop it with `./lab down`.")
    return 0 if record.equal == len(comparisons) else 1


def cmd_bench(settings: LabSettings, args: argparse.Namespace) -> int:
    from comparisons.bench.sweep import sweep
    from comparisons.report.build import build_report
    from comparisons.stack import environments

    environments.sync(settings, ("airflow", "prefect"))
    plan = "scale-out" if args.scale_out else "link" if args.link else ("quick" if args.quick else "full")
    _, failed = sweep(settings, profile=plan, stack_profile=args.profile,
                      restart=not args.no_restart, new=args.new, timeout=args.timeout, repeat=args.repeat)
    html, markdown = build_report(settings)
    print(f"Report: {html}\n        {markdown}")
    return 1 if failed else 0


def cmd_fault(settings: LabSettings, args: argparse.Namespace) -> int:
    """Inject each named fault into a running pair on both orchestrators; record what happened."""
    from comparisons.faults.matrix import run_scenario
    from comparisons.faults.scenarios import resolve
    from comparisons.pairs import resolve as resolve_pairs
    from comparisons.runner import clients
    from comparisons.stack import native

    scenarios = resolve([args.scenario])
    pair = resolve_pairs(settings, [args.pair])[0].name if args.pair else None
    sides = clients(settings)
    for side in sides:
        side.version()  # a stack that is down fails here, before any fault is injected
    records = []
    shape, on_hosts = native.current_scale_out(settings), native.current_hosts(settings)
    try:
        for scenario in scenarios:
            records += run_scenario(settings, sides, scenario, pair=pair, runs=args.runs)
    finally:
        if (native.current_scale_out(settings), native.current_hosts(settings)) != (shape, on_hosts):
            print(f"back to the shape the stack had: {f'{shape} workers a side' if shape else 'the default stack'}"
                  + (" on simulated hosts" if on_hosts else ""))
            native.up(settings, profile=native.current_profile(settings), scale_out=shape, simulated_hosts=on_hosts,
                      progress=lambda line: print(f"  {line}"))
    print("\nscenario          orchestrator  verdict      final state")
    for record in records:
        print(f"{record.scenario:<17} {record.orchestrator:<13} {record.verdict:<12} {record.final_state}")
    print(f"Records: {settings.results / 'faults'}/ (`./lab report` puts the matrix in the report)")
    lost = [r for r in records if r.data_intact is False]
    if lost:
        print("error: data was lost or duplicated in: " + ", ".join(f"{r.scenario}/{r.orchestrator}" for r in lost),
              file=sys.stderr)
    return 1 if lost else 0


def cmd_drift(settings: LabSettings, args: argparse.Namespace) -> int:
    """Try each construct of the Prefect 2-era lesson on the pinned releases; store and print the table."""
    from comparisons.drift.table import render_markdown, run_probes
    from comparisons.store.drift import write_drift

    print("Trying every construct of the lesson on both orchestrators (about a minute; logs: "
          f"{settings.logs}/drift-*.log)", flush=True)
    run = run_probes(settings)
    path = write_drift(settings.results, run)
    print(render_markdown(run))
    print(f"Stored {path} ({run.seconds['total']:.0f} s, {run.seconds['cpu']:.0f} s CPU); "
          "`./lab report` shows it too.")
    return 0


def cmd_publish(settings: LabSettings, args: argparse.Namespace) -> int:
    """Copy a finished bench session, the newest fault matrix or the newest drift run into published/."""
    from comparisons import publish

    if args.what == "faults":
        publish.publish_faults(settings)
    elif args.what == "drift":
        publish.publish_drift(settings)
    elif args.what == "first-run":
        publish.publish_first_run(settings)
    else:
        publish.publish_session(settings, args.what, partial=args.partial)
    return cmd_docs(settings, args)


def cmd_docs(settings: LabSettings, args: argparse.Namespace) -> int:
    """Regenerate the README's and docs/' figure tables from published/."""
    from comparisons.report import docs

    changed = docs.write(settings)
    print("regenerated: " + (", ".join(str(p.relative_to(settings.root)) for p in changed) or "nothing changed"))
    return 0


def cmd_alert_receiver(settings: LabSettings, args: argparse.Namespace) -> int:
    """Serve the webhook failed runs call (a stack service: `./lab up` and compose start it)."""
    from comparisons.alert_receiver import serve

    return serve()


def cmd_test(settings: LabSettings, args: argparse.Namespace) -> int:
    import subprocess

    from comparisons.stack import environments, system_packages

    environments.sync(settings, ("airflow", "prefect"))
    system_packages.ensure_for_tests(settings.logs / "apt.log")
    # The whole suite runs in two lanes side by side (tests/conftest.py): the stacks' tests (native,
    # then compose), and the rest; chosen tests run as pytest runs them.
    lanes = [] if args.pytest_args else ["-n", "2", "--dist", "loadgroup"]
    argv = [sys.executable, "-m", "pytest", *lanes, *args.pytest_args]
    return subprocess.run(argv, cwd=settings.root, check=False).returncode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./lab", description="Airflow 3 vs Prefect 3, side by side.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("all", cmd_all, "main job: set up, start the stack, run every pair once on both, write the report "
                            "(beside the lab's reference records)")
    p.add_argument("--repeat", type=_positive, default=1,
                   help="runs per pair and side (default 1: the repeated figures come from `./lab bench`)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one run")
    p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE, help=PROFILE_HELP)
    p = add("setup", cmd_setup, "create or sync the three locked environments")
    p.add_argument("--lock", action="store_true", help="re-resolve requirements/*.in into the locks first")
    p = add("up", cmd_up, "start PostgreSQL, Airflow and Prefect as local processes")
    p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE, help=PROFILE_HELP)
    p.add_argument("--scale-out", type=_scale_out, default=0, metavar="N",
                   help=f"Airflow on the CeleryExecutor with Redis (Debian's redis-server) and N Celery workers, "
                        f"and N Prefect workers on the pool (1 to {SCALE_OUT_MAX}; docs/scale-out.md)")
    p.add_argument("--hosts", action="store_true",
                   help="with --scale-out: each worker in a network namespace of its own (a simulated host, root "
                        "only), reaching the control plane over a private link")
    p.add_argument("--link-delay-ms", type=_delay_ms, default=None, metavar="MS",
                   help="with --hosts: what the link adds to each round trip, 0 to 1000 ms (default 0)")
    add("deploy", cmd_deploy, "register every flow of prefect_flows/ as a deployment (Airflow needs no step)")
    add("down", cmd_down, "stop every process the lab started, and nothing else")
    add("compose", cmd_compose, "(re)write docker-compose.yml and docker/ from the one definition")
    add("status", cmd_status, "each service, its health and URL")
    add("credentials", cmd_credentials, "print the Airflow UI login from .env")
    add("pairs", cmd_pairs, "list the pipeline pairs")
    p = add("run", cmd_run, "run pairs on both orchestrators over REST and compare their outputs")
    p.add_argument("pairs", nargs="*", metavar="PAIR", help="pair names (default: all)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="pipeline parameter, JSON value (repeatable)")
    p.add_argument("--repeat", type=_positive, default=1, help="runs per pair and side")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one run")
    add("collect", cmd_collect, "pair the newest runs started from each UI and store them as a comparison")
    add("report", cmd_report, "write the HTML and Markdown report from the stored files alone (no server)")
    p = add("bench", cmd_bench, "benchmark sweep: every pair repeated, chains, fan-outs, bursts, payloads, "
            "setup cost; resumable")
    shapes = p.add_mutually_exclusive_group()
    shapes.add_argument("--quick", action="store_true", help="the small sweep CI runs (default: the full sweep)")
    shapes.add_argument("--scale-out", action="store_true",
                        help="fan-outs and bursts on the default stack, then with 4, 2 and 1 workers a side, and "
                             "every pair once with 2 (about an hour; docs/scale-out.md)")
    shapes.add_argument("--link", action="store_true",
                        help="2 workers a side on simulated hosts, the link adding 0, 1, 10 and 50 ms to each round "
                             "trip: a run, a chain and a fan-out at each (about 17 minutes, root; docs/scale-out.md)")
    p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE,
                   help=f"the stack's settings to measure: {PROFILE_HELP}")
    p.add_argument("--no-restart", action="store_true", help="measure the running stack (skip the cold start)")
    p.add_argument("--new", action="store_true", help="start a new session instead of resuming")
    p.add_argument("--repeat", type=_positive, default=None, metavar="N",
                   help="runs per pair and size after the warm-up (default: the profile's, 5 in the full "
                        "sweep; the costliest sizes keep their cap)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for one run")
    p = add("fault", cmd_fault, "inject a fault into a running pair on both orchestrators and record the outcome")
    p.add_argument("scenario", metavar="SCENARIO",
                   help=f"{', '.join(SCENARIOS)}; or `quick` (the CI subset) or `all` (each on the stack shape it "
                        f"needs: the scale-out ones change the running stack to 2 workers a side, then back)")
    p.add_argument("pair", nargs="?", metavar="PAIR", help="pair to break instead of the scenario's own")
    p.add_argument("--runs", type=_positive, default=50, help="runs triggered at once by `burst` (default 50)")
    p = add("publish", cmd_publish, "copy a finished bench session (its id), the newest fault matrix (`faults`), "
            "drift run (`drift`) or fresh clone's `./lab all` (`first-run`) into published/, then regenerate "
            "the docs' tables")
    p.add_argument("what", metavar="SESSION|faults|drift|first-run")
    p.add_argument("--partial", action="store_true", help="publish a bench session with steps still missing")
    add("docs", cmd_docs, "regenerate the README's and docs/' figure tables from published/ (no server)")
    add("drift", cmd_drift, "try each construct of the Prefect 2-era lesson on the pinned releases; print the table")
    add("screenshots", cmd_screenshots, "trigger etl_basic from both UIs in Chromium and save what they show "
        "to docs/screenshots/")
    add("alert-receiver", cmd_alert_receiver, "the webhook failure_alert's failed runs call (a service of the "
        "stack: `./lab up` starts it)")
    add("test", cmd_test, "run the test suite (further arguments go to pytest)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows up in logs at once
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    settings = LabSettings.from_environment()
    try:
        if args.command in WRITES_STATE:
            settings.require_writable_state()
        return int(args.handler(settings, args))
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted; results written so far are kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error of the lab
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
