"""Run one lab flow in-process by calling it, on a throw-away Prefect API; last stdout line is JSON.

Usage, from the repo root with Prefect's venv::

    PYTHONPATH=. LAB_WAREHOUSE_DSN=postgresql://... \
        .lab/venvs/prefect/bin/python -m comparisons.inside.prefect.flow_call etl_basic --param n_rows=100

Prints ``{"pair", "orchestrator", "state": "success"|"failed", "tasks": {task_name: state},
"error": str|null}`` and exits 0 on success, 1 otherwise. Everything else (Prefect's
and the tasks' logs) goes to stderr.

Environment:

* ``LAB_WAREHOUSE_DSN`` (required): read by the pipeline's load task.
* ``PYTHONPATH`` must hold the repo root, so flow files can import ``shared_logic``.
* ``PREFECT_API_URL``: set, the flow runs against that server (the caller owns
  it). Unset (the normal case), the run gets a throw-away API: the runner points
  ``PREFECT_HOME`` at a temp dir with a fresh sqlite DB and lets Prefect start its
  ephemeral server subprocess there (stopped at exit). The caller's other
  ``PREFECT_*`` variables are ignored (no profile or DB of theirs is touched),
  the server gets 120 s to start instead of 20, and telemetry is off (on sqlite
  it only logs "database is locked" noise). The throw-away API is then provisioned as the
  stack's deploy job provisions the lab's server (`comparisons.inside.prefect.deploy.provision`):
  concurrency limits, and the Secret block and Variable from ``LAB_PIPELINE_SECRET`` and
  ``LAB_EXPORT_COUNTRY`` when those are set.

``LAB_INPROCESS_DATABASE`` says how the throw-away API's sqlite DB is made, as in Airflow's runner:
``prepared`` (the default) copies a template DB migrated once per Prefect version
(``$TMPDIR/lab-prefect-<version>-template.db``), as a developer's ``~/.prefect/prefect.db`` is
migrated once and reused; ``none`` (or ``migrate``: Prefect has no separate step) leaves the folder
empty, so the ephemeral server creates and migrates the DB itself, as on a first flow call (~12 s of
Alembic migrations). ``prefect_test_harness()`` was measured too: ~23 s a run, as it always migrates
a fresh DB. The outcome carries the DB file's size (``database_bytes``).
"""

from __future__ import annotations

import atexit
import importlib.metadata
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from comparisons.inside.common.inprocess import parse_args, pipeline_file, run_all
from shared_logic.expected import expectation

ORCHESTRATOR = "prefect"

# Prefect state types -> the lab's orchestrator-neutral words (Airflow's task states).
_STATE_NAMES = {"COMPLETED": "success", "FAILED": "failed", "CRASHED": "failed"}


def _state_name(state: Any) -> str:
    if state is None:
        return "none"
    kind = str(getattr(state.type, "value", state.type))
    return _STATE_NAMES.get(kind, kind.lower())


def _load_flow(pair: str, name: str | None = None) -> Any:
    """Import `prefect_flows/<pair>.py` by path and return its flow function `name` (default: `pair`)."""
    from prefect import Flow

    path = pipeline_file("prefect_flows", pair)
    spec = importlib.util.spec_from_file_location(f"lab_prefect_flows_{pair}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    candidate = getattr(module, name or pair, None)
    if not isinstance(candidate, Flow):
        raise LookupError(f"{path} defines no flow function named {name or pair!r}")
    return candidate


def _task_states(flow_run_id: Any, settle_s: float = 15.0) -> dict[str, str]:
    """Final state of each task run of the flow run, keyed by task name.

    Prefect 3 records task-run states from events, after the flow call has returned: a finished
    task can read 'pending' for a moment, so wait up to `settle_s` for every state to be final.
    """
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    deadline = time.monotonic() + settle_s
    with get_client(sync_client=True) as client:
        while True:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                sort=TaskRunSort.EXPECTED_START_TIME_ASC,
            )
            if all(run.state and run.state.is_final() for run in task_runs) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    # Task run names are '<task name>-<3 hex>': strip the suffix to get Airflow-like task ids.
    return {run.name.rsplit("-", 1)[0]: _state_name(run.state) for run in task_runs}


# Run in a child process: Prefect reads its settings once, at import.
_MIGRATE = (
    "import asyncio; from prefect.server.database import provide_database_interface; "
    "asyncio.run(provide_database_interface().create_db())"
)


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _isolated_env(home: Path) -> dict[str, str]:
    """Prefect settings for a throw-away API in `home`, whatever the caller's environment says."""
    # Drop every PREFECT_* of the caller's: one could point this run at the lab's real DB.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": _sqlite_url(home / "prefect.db"),
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
        # The default 20 s is too tight: the server subprocess takes 10-13 s on a busy 2-CPU host.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    return env


def _template_db() -> Path:
    """Path of a migrated, never-used Prefect DB for this Prefect version; builds it once."""
    version = importlib.metadata.version("prefect")
    template = Path(tempfile.gettempdir()) / f"lab-prefect-{version}-template.db"
    if template.is_file():
        return template
    with tempfile.TemporaryDirectory(prefix="lab-prefect-template-") as build:
        env = _isolated_env(Path(build))
        subprocess.run([sys.executable, "-c", _MIGRATE], env=env, check=True, stdout=sys.stderr)
        # The sqlite backup API gives one consistent file (no -wal/-shm side files to copy),
        # and the rename publishes it atomically for concurrent runners.
        partial = template.with_suffix(f".{os.getpid()}.partial")
        with closing(sqlite3.connect(Path(build) / "prefect.db")) as src:
            with closing(sqlite3.connect(partial)) as dst:
                src.backup(dst)
        os.replace(partial, template)
    return template


_sandboxed = False
_home: Path | None = None
DATABASE_VAR = "LAB_INPROCESS_DATABASE"
DATABASE_WAYS = ("prepared", "migrate", "none")


def database_way() -> str:
    """How the throw-away API's DB is made (`DATABASE_VAR`), or SystemExit naming the allowed ways."""
    way = os.environ.get(DATABASE_VAR, "prepared")
    if way not in DATABASE_WAYS:
        raise SystemExit(f"{DATABASE_VAR}={way!r}: expected one of {', '.join(DATABASE_WAYS)}")
    return way


def _sandbox() -> None:
    """Point Prefect at a throw-away local API (once per process), unless PREFECT_API_URL is set."""
    global _sandboxed, _home
    if _sandboxed:
        return
    _sandboxed = True
    if not os.environ.get("PREFECT_API_URL"):
        home = _home = Path(tempfile.mkdtemp(prefix="lab-prefect-inprocess-"))
        # atexit runs last-in first-out: registered before Prefect registers the stop of
        # its ephemeral server, the removal runs after that server is gone.
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        if database_way() == "prepared":
            shutil.copyfile(_template_db(), home / "prefect.db")
        # Must happen before Prefect is imported: it reads its settings once, at import.
        isolated = _isolated_env(home)
        os.environ.clear()
        os.environ.update(isolated)
        from comparisons.inside.prefect.deploy import provision

        provision()


def run(pair: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call the pair's flow once with `params` and collect its and its tasks' final states."""
    _sandbox()
    state, tasks = _call(_load_flow(pair), params)
    ran = [pair]
    # A flow call runs one flow and the throw-away API holds no deployment or automation: the
    # consumer an event would start is called here, after the producer completed, so its output is
    # checked too; the event hand-over itself is the live tests'.
    downstream = expectation(pair).downstream
    if downstream and state.is_completed():
        state, consumer_tasks = _call(_load_flow(pair, downstream), {})
        tasks |= consumer_tasks
        ran.append(downstream)
    ok = state.is_completed()
    return {
        "state": "success" if ok else "failed",
        "tasks": tasks,
        "error": None if ok else f"flow run of {ran[-1]} ended {state.type.value}: {state.message}",
        "ran": ran,
        "database_bytes": (_home / "prefect.db").stat().st_size if _home and (_home / "prefect.db").is_file() else None,
    }


def _call(flow: Any, params: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """One flow call: its final state and each task's."""
    state = flow(**params, return_state=True)
    flow_run_id = state.state_details.flow_run_id
    return state, (_task_states(flow_run_id) if flow_run_id else {})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(ORCHESTRATOR, argv)
    return run_all(ORCHESTRATOR, args.pairs, args.params, run)


if __name__ == "__main__":
    raise SystemExit(main())
