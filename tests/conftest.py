"""Shared fixtures: a real PostgreSQL for every layer that needs one.

The warehouse used by tests is a database of its own (`warehouse_test`), so tests never touch the
tables a user's runs wrote.

Two lanes: the stacks, one at a time (live and browser on the native stack's fixed ports, in
order, then compose on its own Docker engine and free ports), and the rest (unit, pipelines).
`./lab test` runs the two side by side, one pytest-xdist worker each (`--dist loadgroup`); plain
`pytest` runs them one after the other. The two stacks never run side by side: on 2 cores each
starved the other (figures in docs/testing.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from comparisons.settings import LabSettings
from comparisons.stack import native, postgres, system_packages
from comparisons.stack.secrets import ensure_env_file
from comparisons.stack.services import AIRFLOW_PORT, ALERT_PORT, POSTGRES_PORT, PREFECT_PORT, REDIS_PORT, SERVICES

TEST_DATABASE = "warehouse_test"


#: Set by `stack` when the tests started the stack themselves (and so may stop it early).
STARTED_BY_TESTS = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def stack_is_ours(stack: LabSettings, request: pytest.FixtureRequest) -> bool:
    """True when the tests started the stack (a developer's own stack is left as it was found)."""
    return request.config.stash.get(STARTED_BY_TESTS, False)


def _layer(item: pytest.Item) -> int:
    """The scale-out module runs after every other live test and ends the native stack there; compose last."""
    return 2 if item.get_closest_marker("compose") else int("test_scale_out_live" in item.nodeid)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A layer whose Debian package is missing is skipped with the reason, never an ERROR."""
    items.sort(key=_layer)  # stable: the order within each layer stays the files' own
    for item in items:
        reason = system_packages.skip_reason(mark.name for mark in item.iter_markers())
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


#: The lane of the tests that bring up a stack (the native one, then compose's); the rest run in the other.
STACK_FOLDERS = ("tests/live/", "tests/browser/", "tests/compose/")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With `--dist loadgroup` (as `./lab test` runs), one worker per lane, each lane's tests in the
    order above. The lanes are told by folder: pytest 9's test ids cannot carry xdist_group marks."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Lanes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "the stacks" if nodeid.startswith(STACK_FOLDERS) else "the rest"

    return Lanes(config, log)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the time went, per test file (setup, call and teardown): CI's 30-minute budget is read here."""
    spent: dict[str, float] = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                spent[report.nodeid.split("::")[0]] += report.duration
    if not spent:
        return
    terminalreporter.write_sep("=", "time per test file (the two lanes of `./lab test` overlap)")
    for path, seconds in sorted(spent.items(), key=lambda entry: -entry[1])[:15]:
        terminalreporter.write_line(f"{seconds:8.1f} s  {path}")


def _in_this_pid_namespace(pid: str) -> bool:
    """False for a container's process (the compose test's run beside the native stack)."""
    try:
        return os.readlink(f"/proc/{pid}/ns/pid") == os.readlink("/proc/self/ns/pid")
    except OSError:
        return False


@pytest.fixture(scope="session")
def settings() -> LabSettings:
    return LabSettings.from_environment()


@pytest.fixture(scope="session")
def lab_secrets(settings: LabSettings) -> dict[str, str]:
    return ensure_env_file(settings.env_file, settings.root / ".env.example")


@pytest.fixture(scope="session")
def stack(settings: LabSettings, request: pytest.FixtureRequest) -> Iterator[LabSettings]:
    """The native stack up, as `./lab up` brings it; at the end `./lab down` must leave nothing running.

    A stack that was already up (a developer's own) is used and left up: the tests stop only what
    they started.
    """
    long_running = [svc.name for svc in SERVICES if not svc.oneshot]
    was_up = all(native.running_pid(settings, name) is not None for name in long_running)
    if native.current_scale_out(settings):  # the tests expect the default stack; the scale-out module scales it
        print("the stack was scaled out: restarting it as the default stack", file=sys.stderr)
        native.down(settings, progress=lambda line: None)
        was_up = False
    native.up(settings, progress=lambda line: print(line, file=sys.stderr))
    request.config.stash[STARTED_BY_TESTS] = not was_up
    yield settings
    if was_up:
        print("\nthe stack was up before the tests: left up (`./lab down` stops it)", file=sys.stderr)
        return
    native.down(settings, progress=lambda line: None)
    leftovers = sorted(set(native.lab_processes(settings).values()))
    services = (r"airflow (api-server|scheduler|dag-processor|triggerer)|prefect (server start|worker start)"
                r"|comparisons alert-receiver|redis-server 127.0.0.1:{REDIS_PORT}|airflow celery worker")
    found = subprocess.run(["pgrep", "-af", services], capture_output=True, text=True).stdout.splitlines()
    stray = "\n".join(line for line in found if _in_this_pid_namespace(line.split()[0]))
    ports = [port for port in (AIRFLOW_PORT, PREFECT_PORT, ALERT_PORT, REDIS_PORT) if native.port_in_use(port)]
    if leftovers or stray or ports:
        pytest.fail(f"`down` left services running: {leftovers} {stray!r}, ports still open: {ports}")


@pytest.fixture(scope="session")
def warehouse_test_dsn(settings: LabSettings, lab_secrets: dict[str, str]) -> Iterator[str]:
    """A DSN for a scratch warehouse database, with PostgreSQL started if it was down."""
    postgres.start_cluster(settings.run_dir / "postgres.started-by-lab")
    placement = native.native_placement(settings)
    postgres.ensure_databases(lab_secrets, placement)
    role, _, key = placement.database("warehouse")
    database = f"{placement.database_prefix}{TEST_DATABASE}"
    postgres.ensure_database(database, role)
    dsn = f"postgresql://{role}:{lab_secrets[key]}@127.0.0.1:{POSTGRES_PORT}/{database}"
    previous = os.environ.get("LAB_WAREHOUSE_DSN")
    os.environ["LAB_WAREHOUSE_DSN"] = dsn
    yield dsn
    if previous is None:
        os.environ.pop("LAB_WAREHOUSE_DSN", None)
    else:
        os.environ["LAB_WAREHOUSE_DSN"] = previous
