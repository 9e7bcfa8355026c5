"""Lesson §5, deployment: `Deployment.build_from_flow`, `CronSchedule`, the lesson's prefect.yaml through
`prefect deploy`, work pools and workers.

The lesson's prefect.yaml and flow file are kept verbatim (`LESSON_PREFECT_YAML`, `LESSON_ETL_FLOW`); a
probe that needs them changed says what it changed and why.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from comparisons.inside.common.probe import Finding, misbehaves, not_run, runs
from comparisons.inside.prefect.drift.sandbox import SERVER, help_lists, in_folder, prefect_cli


def probe_build_from_flow(sandbox: Path) -> Finding:
    from prefect import flow
    from prefect.deployments import Deployment
    from prefect.server.schemas.schedules import CronSchedule

    @flow
    def my_etl_flow(date: str = None):
        from datetime import datetime
        date = date or datetime.now().strftime("%Y-%m-%d")
        print(f"Running ETL for {date}")

    deployment = Deployment.build_from_flow(
        flow=my_etl_flow,
        name="daily-etl",
        version="1.0",
        tags=["production", "etl"],
        schedule=CronSchedule(cron="0 6 * * *"),
        parameters={"date": None},
        work_pool_name="default-agent-pool",
    )
    deployment.apply()
    return runs("Deployment.build_from_flow(...).apply() registered the deployment")


def probe_cron_schedule(sandbox: Path) -> Finding:
    from prefect.server.schemas.schedules import CronSchedule

    schedule = CronSchedule(cron="0 6 * * *")
    (next_run,) = asyncio.run(schedule.get_dates(n=1))
    if (next_run.hour, next_run.minute) != (6, 0):
        return misbehaves(f"next run at {next_run.isoformat()}, not 06:00")
    return runs(f"importable; next run {next_run.isoformat()}")


def probe_none_default_parameter(sandbox: Path) -> Finding:
    from prefect import flow

    @flow
    def my_etl_flow(date: str = None):
        from datetime import datetime
        date = date or datetime.now().strftime("%Y-%m-%d")
        print(f"Running ETL for {date}")

    # What a run of the deployment with parameters={"date": None} does first.
    my_etl_flow.validate_parameters({"date": None})
    return runs("parameters={'date': None} validate against `date: str = None`")


LESSON_PREFECT_YAML = """\
# prefect.yaml example
name: my-project
prefect-version: 2.14.0

deployments:
  - name: daily-etl
    entrypoint: flows/etl.py:my_etl_flow
    work_pool:
      name: default-agent-pool
    schedule:
      cron: "0 6 * * *"
    parameters:
      date: null
    tags:
      - production
      - etl
"""

LESSON_ETL_FLOW = '''\
from prefect import flow

@flow
def my_etl_flow(date: str = None):
    """Daily ETL flow"""
    from datetime import datetime
    date = date or datetime.now().strftime("%Y-%m-%d")
    print(f"Running ETL for {date}")
'''


def _lesson_project(folder: Path, prefect_yaml: str) -> Path:
    (folder / "flows").mkdir(parents=True, exist_ok=True)
    (folder / "prefect.yaml").write_text(prefect_yaml)
    (folder / "flows" / "etl.py").write_text(LESSON_ETL_FLOW)
    return folder


def _ensure_pool(name: str) -> None:
    """Setup for a probe, not a finding: a pool the lesson's yaml names."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    SERVER.wait()
    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def probe_init(sandbox: Path) -> Finding:
    SERVER.wait()
    with in_folder(sandbox / "init-project") as folder:
        prefect_cli("init")
    if not (folder / "prefect.yaml").is_file():
        return misbehaves("`prefect init` succeeded but wrote no prefect.yaml")
    return runs("wrote prefect.yaml")


def probe_deploy(sandbox: Path) -> Finding:
    SERVER.wait()
    with in_folder(_lesson_project(sandbox / "deploy-verbatim", LESSON_PREFECT_YAML)):
        prefect_cli("deploy", "--name", "daily-etl")
    return runs("the lesson's prefect.yaml deployed as written")


def probe_yaml_null_parameter(sandbox: Path) -> Finding:
    _ensure_pool("default-agent-pool")
    with in_folder(_lesson_project(sandbox / "deploy-with-pool", LESSON_PREFECT_YAML)):
        prefect_cli("deploy", "--name", "daily-etl")
    return runs("`date: null` accepted for `date: str = None`")


def probe_yaml_schedule_key(sandbox: Path) -> Finding:
    from prefect import get_client

    _ensure_pool("default-agent-pool")
    # Only `parameters: date: null` removed (its own probe above), so this deploy can succeed.
    without_null = LESSON_PREFECT_YAML.replace("    parameters:\n      date: null\n", "")
    with in_folder(_lesson_project(sandbox / "deploy-schedule", without_null)):
        output = prefect_cli("deploy", "--name", "daily-etl")
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("my-etl-flow/daily-etl")
    crons = [getattr(s.schedule, "cron", None) for s in deployment.schedules]
    if crons != ["0 6 * * *"]:
        return misbehaves(f"deployed, but with schedules {crons} instead of cron 0 6 * * *")
    warned = " (with a deprecation notice)" if "deprecat" in output.lower() else ""
    return runs(f"the singular `schedule:` became the deployment's cron 0 6 * * *{warned}; "
                "`prefect-version: 2.14.0` is not checked")


def probe_work_pool_process(sandbox: Path) -> Finding:
    SERVER.wait()
    prefect_cli("work-pool", "create", "my-pool", "--type", "process")
    return runs("created a process pool")


def probe_work_pool_docker_k8s(sandbox: Path) -> Finding:
    SERVER.wait()
    prefect_cli("work-pool", "create", "docker-pool", "--type", "docker")
    prefect_cli("work-pool", "create", "k8s-pool", "--type", "kubernetes")
    return runs("created both pools (their workers need prefect-docker / prefect-kubernetes)")


def probe_worker_start(sandbox: Path) -> Finding:
    return not_run(help_lists("worker start", "--pool") + "; not run here: the lab's worker is `./lab up`")
