"""The seed lesson's one Airflow example (§6.1, Airflow 2 style), tried for real on the installed Airflow.

Run inside Airflow's venv, from the repo root::

    PYTHONPATH=. .lab/venvs/airflow/bin/python -m comparisons.inside.airflow.drift_probes

The lesson's DAG file is written verbatim into a scratch folder and parsed by a `DagBag`, as the DAG
processor would; a copy differing only in `schedule=` for `schedule_interval=` is then run once with
`dag.test()` to see whether the rest (PythonOperator callables taking **kwargs, XCom push and pull by
key and task id, `>>`) still works. Everything happens in a throw-away AIRFLOW_HOME with a sqlite
metadata DB; the caller's AIRFLOW__* settings are dropped, so the lab's real Airflow is never touched.
Measured about 14 s: 3 s import, 3 s metadata DB, 8 s for the three tasks.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
import tempfile
from pathlib import Path

from comparisons.inside.common.inprocess import claim_stdout
from comparisons.inside.common.probe import Construct, Finding, ProbeBroken, fails, misbehaves, probe_all, runs

ORCHESTRATOR = "airflow"

LESSON_DAG = """\
# Airflow DAG
from airflow import DAG
from airflow.operators.python import PythonOperator
from datetime import datetime

def extract(**kwargs):
    ti = kwargs['ti']
    data = [1, 2, 3, 4, 5]
    ti.xcom_push(key='data', value=data)

def transform(**kwargs):
    ti = kwargs['ti']
    data = ti.xcom_pull(key='data', task_ids='extract')
    result = [x * 2 for x in data]
    ti.xcom_push(key='result', value=result)

def load(**kwargs):
    ti = kwargs['ti']
    result = ti.xcom_pull(key='result', task_ids='transform')
    print(f"Loading: {result}")

with DAG(
    'etl_airflow',
    start_date=datetime(2024, 1, 1),
    schedule_interval='@daily',
    catchup=False,
) as dag:
    t1 = PythonOperator(task_id='extract', python_callable=extract)
    t2 = PythonOperator(task_id='transform', python_callable=transform)
    t3 = PythonOperator(task_id='load', python_callable=load)

    t1 >> t2 >> t3
"""

DAG_ID = "etl_airflow"


def _isolate(sandbox: Path) -> None:
    """A throw-away Airflow home whose DAG folder is the sandbox's `dags/`; set before Airflow is imported."""
    from comparisons.inside.airflow.dag_test import _configure_environment

    for name in [n for n in os.environ if n.startswith("AIRFLOW__")]:
        del os.environ[name]
    os.environ["AIRFLOW_HOME"] = str(sandbox)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(sandbox / "dags")
    (sandbox / "dags").mkdir()
    _configure_environment()  # the rest as the in-process runner sets it: sqlite DB, no examples


def _parse(path: Path) -> tuple[object | None, str | None]:
    """The DAG a `DagBag` gets from `path`, or the last line of the import error it records."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=path)
    if bag.import_errors:
        trace = next(iter(bag.import_errors.values()))
        return None, [line for line in str(trace).splitlines() if line.strip()][-1].strip()
    return bag.dags.get(DAG_ID), None


def probe_dag_import(sandbox: Path) -> Finding:
    from airflow import DAG

    return runs(f"resolves to {DAG.__module__}.DAG")


def probe_python_operator_import(sandbox: Path) -> Finding:
    from airflow.operators.python import PythonOperator

    return runs(f"resolves to {PythonOperator.__module__}.PythonOperator")


def probe_schedule_interval(sandbox: Path) -> Finding:
    lesson = sandbox / "lesson" / "etl_airflow.py"
    lesson.parent.mkdir(exist_ok=True)
    lesson.write_text(LESSON_DAG)
    dag, error = _parse(lesson)
    if error:  # what the DAG processor shows as the file's import error; the DAG never appears
        return fails(error)
    return runs("the lesson's DAG file parses as written")


def probe_catchup(sandbox: Path) -> Finding:
    from airflow.configuration import conf

    default = conf.getboolean("scheduler", "catchup_by_default")
    return runs("accepted; and False is now the default (catchup_by_default=False)" if not default
                else "accepted")


def probe_xcom_by_kwargs(sandbox: Path) -> Finding:
    from comparisons.inside.airflow.dag_test import _ensure_metadata_db

    try:
        _ensure_metadata_db()
    except Exception as exc:
        raise ProbeBroken(f"the scratch metadata DB could not be created: {exc!r}") from exc
    fixed = sandbox / "dags" / "etl_airflow.py"
    fixed.write_text(LESSON_DAG.replace("schedule_interval='@daily'", "schedule='@daily'"))
    dag, error = _parse(fixed)
    if dag is None:
        raise RuntimeError(error or f"{fixed} defines no DAG {DAG_ID!r}")
    order = [sorted(dag.get_task(t).upstream_task_ids) for t in ("extract", "transform", "load")]
    if order != [[], ["extract"], ["transform"]]:
        return misbehaves(f"t1 >> t2 >> t3 gave upstream ids {order}")
    dag_run = dag.test()

    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(XComModel.task_id, XComModel.key, XComModel.value).filter(
            XComModel.dag_id == DAG_ID, XComModel.run_id == dag_run.run_id).all()
    pushed = {(task_id, key): value for task_id, key, value in rows}
    state = str(getattr(dag_run.state, "value", dag_run.state))
    if state != "success" or pushed.get(("transform", "result")) != [2, 4, 6, 8, 10]:
        return misbehaves(f"the run ended {state}; XComs pushed: {pushed}")
    return runs("with schedule= instead, dag.test() ran extract >> transform >> load; "
                "transform pushed [2, 4, 6, 8, 10]")


def c(ident: str, construct: str, probe: object, replacement: str, pair: str | None) -> Construct:
    return Construct(id=ident, construct=construct, section="6.1", replacement=replacement, pair=pair,
                     probe=probe)  # type: ignore[arg-type]


CONSTRUCTS = [
    c("airflow.dag_import", "from airflow import DAG", probe_dag_import,
      "from airflow.sdk import DAG (or @dag), the Airflow 3 import", "etl_basic"),
    c("airflow.python_operator_import", "from airflow.operators.python import PythonOperator",
      probe_python_operator_import,
      "from airflow.providers.standard.operators.python import PythonOperator, or @task from airflow.sdk",
      "etl_basic"),
    c("airflow.schedule_interval", "DAG(..., schedule_interval='@daily')", probe_schedule_interval,
      "schedule='@daily'", "scheduled_daily"),
    c("airflow.catchup", "catchup=False", probe_catchup, "unchanged (and now the default)", "scheduled_daily"),
    c("airflow.xcom_by_kwargs", "PythonOperator callables with **kwargs: ti.xcom_push(key=…) / "
      "ti.xcom_pull(key=…, task_ids=…), t1 >> t2 >> t3", probe_xcom_by_kwargs,
      "@task functions from airflow.sdk passing return values (XCom underneath)", "etl_basic"),
]


def main() -> int:
    out = claim_stdout()
    sandbox = Path(tempfile.mkdtemp(prefix="lab-drift-airflow-"))
    try:
        _isolate(sandbox)
        version = importlib.metadata.version("apache-airflow")
        import airflow  # noqa: F401  (import cost paid here, not by the first probe)

        probe_all(CONSTRUCTS, ORCHESTRATOR, version, sandbox, out)
    except ProbeBroken as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
