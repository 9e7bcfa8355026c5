"""Run one lab DAG in-process with Airflow's `dag.test()`; last stdout line is the outcome as JSON.

Usage, from the repo root with Airflow's venv::

    PYTHONPATH=. LAB_WAREHOUSE_DSN=postgresql://... \
        .lab/venvs/airflow/bin/python -m comparisons.inside.airflow.dag_test etl_basic --param n_rows=100

Prints ``{"pair", "orchestrator", "state": "success"|"failed", "tasks": {task_id: state},
"error": str|null}`` and exits 0 on success, 1 otherwise. Everything else (Airflow's
and the tasks' logs) goes to stderr.

Environment:

* ``LAB_WAREHOUSE_DSN`` (required): read by the pipeline's load task.
* ``PYTHONPATH`` must hold the repo root, so DAG files can import ``shared_logic``.
* ``AIRFLOW_HOME`` (optional): unset (the normal case), the runner makes a
  throw-away home in a temp dir, deletes it afterwards and ignores the caller's
  ``AIRFLOW__*`` variables. Either way it defaults, unless already set,
  ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$AIRFLOW_HOME/airflow.db``,
  ``AIRFLOW__CORE__LOAD_EXAMPLES=False`` and
  ``AIRFLOW__CORE__DAGS_FOLDER=<repo>/airflow_dags``.
* ``LAB_PIPELINE_SECRET``, ``LAB_EXPORT_COUNTRY`` (optional): become the Connection and Variable
  the stack gives Airflow (`comparisons.stack.services.airflow_pipeline_settings`).

`dag.test()` needs a metadata DB: sqlite here. ``LAB_INPROCESS_DATABASE`` says how it is made,
the same three ways as in Prefect's runner (`comparisons.inside.prefect.flow_call`):

* ``prepared`` (the default): a copy of a template DB migrated once per Airflow version
  (``$TMPDIR/lab-airflow-<version>-template.db``), as a developer's home is migrated once and
  reused; the Prefect runner copies its template the same way.
* ``migrate``: an empty DB, migrated in-process first (``airflow.utils.db.initdb()``, what
  ``airflow db migrate`` does; about 2-3 s).
* ``none``: an empty DB, nothing done to it: what a first ``dag.test()`` meets (it fails).

A caller that migrated the DB already just sets ``AIRFLOW_HOME`` (and the connection) and the
runner reuses it. The outcome carries the DB file's size (``database_bytes``).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from comparisons.inside.common.inprocess import REPO_ROOT, parse_args, pipeline_file, run_all
from comparisons.pairs import airflow_dag_id
from comparisons.stack.services import airflow_pipeline_settings
from shared_logic.expected import expectation

ORCHESTRATOR = "airflow"
DATABASE_VAR = "LAB_INPROCESS_DATABASE"
DATABASE_WAYS = ("prepared", "migrate", "none")
_MIGRATE = "from airflow.utils.db import initdb; initdb()"  # in a child: Airflow reads its settings at import


def database_way() -> str:
    """How the run's metadata DB is made (`DATABASE_VAR`), or SystemExit naming the allowed ways."""
    way = os.environ.get(DATABASE_VAR, "prepared")
    if way not in DATABASE_WAYS:
        raise SystemExit(f"{DATABASE_VAR}={way!r}: expected one of {', '.join(DATABASE_WAYS)}")
    return way


def _template_db() -> Path:
    """Path of a migrated, never-used Airflow DB for this Airflow version; builds it once."""
    template = Path(tempfile.gettempdir()) / f"lab-airflow-{importlib.metadata.version('apache-airflow')}-template.db"
    if template.is_file():
        return template
    with tempfile.TemporaryDirectory(prefix="lab-airflow-template-") as build:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")} | {
            "AIRFLOW_HOME": build, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{build}/airflow.db",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        subprocess.run([sys.executable, "-c", _MIGRATE], env=env, check=True, stdout=sys.stderr)
        partial = template.with_suffix(f".{os.getpid()}.partial")  # published atomically, as Prefect's is
        with closing(sqlite3.connect(Path(build) / "airflow.db")) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
        os.replace(partial, template)
    return template


def _configure_environment() -> Path | None:
    """Set Airflow's environment before Airflow is imported; returns a temp home to delete.

    Without AIRFLOW_HOME the run is throw-away and isolated: the caller's other
    AIRFLOW__* settings (say, the lab's real Postgres metadata DB) are dropped,
    so a test run can never write into them.
    """
    temp_home = None
    if not os.environ.get("AIRFLOW_HOME"):
        temp_home = Path(tempfile.mkdtemp(prefix="lab-airflow-inprocess-"))
        for name in [n for n in os.environ if n.startswith("AIRFLOW__")]:
            del os.environ[name]
        os.environ["AIRFLOW_HOME"] = str(temp_home)
        if database_way() == "prepared":
            shutil.copyfile(_template_db(), temp_home / "airflow.db")
    home = Path(os.environ["AIRFLOW_HOME"])
    os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO_ROOT / "airflow_dags"))
    os.environ.update(airflow_pipeline_settings(os.environ))
    return temp_home


def _ensure_metadata_db() -> None:
    """Create the metadata schema when the DB is empty (a prepared or migrated DB is left alone), unless `none`."""
    from airflow import settings
    from airflow.utils.db import initdb
    from sqlalchemy import inspect

    if database_way() != "none" and not inspect(settings.engine).has_table("alembic_version"):
        initdb()


def _database_bytes() -> int | None:
    path = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
    return path.stat().st_size if path.is_file() else None


def _state_name(state: object) -> str:
    """'success' from TaskInstanceState.SUCCESS or 'success' alike (the ORM returns either)."""
    return str(getattr(state, "value", state))


def run(pair: str, params: dict[str, Any]) -> dict[str, Any]:
    """Parse the pair's DAG file like the DAG processor does, then run it once with `params`."""
    path = pipeline_file("airflow_dags", pair)
    _ensure_metadata_db()

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=path)
    if bag.import_errors:
        raise RuntimeError(f"{path} failed to import: {bag.import_errors}")
    dag_id = airflow_dag_id(pair, params)
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise LookupError(f"{path} defines no DAG with id {dag_id!r} (found {sorted(bag.dags)})")

    state, tasks = _test(dag, params)
    ran = [dag_id]
    # `dag.test()` runs one DAG: the consumer an asset event would start is run here, after the
    # producer succeeded, so its output is checked too; the asset hand-over itself is the live tests'.
    downstream = expectation(pair).downstream
    if downstream and state == "success":
        consumer = bag.dags.get(downstream)
        if consumer is None:
            raise LookupError(f"{path} defines no DAG with id {downstream!r} (found {sorted(bag.dags)})")
        state, consumer_tasks = _test(consumer, {})
        tasks |= consumer_tasks
        ran.append(downstream)
    error = None
    if state != "success":
        failed = sorted(t for t, s in tasks.items() if s != "success")
        error = f"dag run of {ran[-1]} ended {state}; tasks not successful: {failed} (task logs on stderr)"
    return {"state": "success" if state == "success" else "failed", "tasks": tasks, "error": error, "ran": ran,
            "database_bytes": _database_bytes()}


def _test(dag: Any, params: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """One `dag.test()` run: its state and each task's."""
    from airflow.utils.session import create_session

    dag_run = dag.test(run_conf=params)
    with create_session() as session:
        tis = dag_run.get_task_instances(session=session)
        tasks = {ti.task_id: _state_name(ti.state) for ti in tis}
    return _state_name(dag_run.state), tasks


def main(argv: list[str] | None = None) -> int:
    args = parse_args(ORCHESTRATOR, argv)
    temp_home = _configure_environment()
    try:
        return run_all(ORCHESTRATOR, args.pairs, args.params, run)
    finally:
        if temp_home is not None:
            shutil.rmtree(temp_home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
