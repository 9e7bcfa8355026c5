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

`dag.test()` needs a metadata DB. The cheapest correct one is sqlite, created
in-process here with ``airflow.utils.db.initdb()`` when it has no tables yet
(about 2-3 s, against about 8 s for a separate ``airflow db migrate``, which pays
Airflow's import time a second time). A caller that migrated the DB already
just sets ``AIRFLOW_HOME`` (and the connection) and the runner reuses it.
Measured 12-18 s a run: about 2.5 s import, 2 s initdb, 8 s for the three tasks
(each goes through Airflow's in-process Execution API).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from comparisons.inside.common.inprocess import REPO_ROOT, parse_args, pipeline_file, run_all
from comparisons.pairs import airflow_dag_id
from comparisons.stack.services import airflow_pipeline_settings
from shared_logic.expected import expectation

ORCHESTRATOR = "airflow"


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
    home = Path(os.environ["AIRFLOW_HOME"])
    os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO_ROOT / "airflow_dags"))
    os.environ.update(airflow_pipeline_settings(os.environ))
    return temp_home


def _ensure_metadata_db() -> None:
    """Create the metadata schema when the DB is empty; a migrated DB is left alone."""
    from airflow import settings
    from airflow.utils.db import initdb
    from sqlalchemy import inspect

    if not inspect(settings.engine).has_table("alembic_version"):
        initdb()


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
    return {"state": "success" if state == "success" else "failed", "tasks": tasks, "error": error, "ran": ran}


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
