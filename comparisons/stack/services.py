"""The one definition of the lab's services: versions, ports, commands, environment, health.

Native mode (`comparisons.stack.native`) starts these as local processes; the compose file is
generated from the same table (`comparisons.stack.compose`). A `Placement` says where a service
runs — the hostnames and paths that differ between a laptop and a container network — and is the
only thing the two modes do not share.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from comparisons.errors import SetupError
from comparisons.stack.hosts import LINK_ADDRESS

__all__ = [
    "AIRFLOW_PORT",
    "ALERT_BLOCK",
    "ALERT_CONNECTION",
    "ALERT_PORT",
    "AIRFLOW_VERSION",
    "CONCURRENCY_CAPS",
    "DATABASES",
    "PIPELINE_SETTINGS",
    "POSTGRES_PORT",
    "PREFECT_PORT",
    "PREFECT_VERSION",
    "REDIS_PORT",
    "SCALE_OUT_CAPS",
    "SCALE_OUT_MAX",
    "SCALE_OUT_SERVICES",
    "SERVED_SUFFIX",
    "SERVICES",
    "TASK_RUNNERS",
    "DEFAULT_PROFILE",
    "PROFILES",
    "PROFILE_SETTINGS",
    "WORK_POOL",
    "airflow_pipeline_settings",
    "alert_url",
    "locked_version",
    "Health",
    "Placement",
    "Service",
    "service",
    "Setting",
    "profile_settings",
    "service_environment",
]

REPO_ROOT = Path(__file__).resolve().parents[2]


def locked_version(lock: str, package: str, root: Path = REPO_ROOT) -> str:
    """A package's version as `requirements/<lock>` pins it: the locks are the one place for versions."""
    found = re.search(rf"^{re.escape(package)}==(\S+)$", (root / "requirements" / lock).read_text(), re.MULTILINE)
    if found is None:
        raise RuntimeError(f"requirements/{lock} does not pin {package}; run `./lab setup --lock`.")
    return found.group(1)


AIRFLOW_VERSION = locked_version("airflow.lock.txt", "apache-airflow")
PREFECT_VERSION = locked_version("prefect.lock.txt", "prefect")
POSTGRES_MAJOR = 15

POSTGRES_PORT = 5432
AIRFLOW_PORT = 8080
PREFECT_PORT = 4200
SCHEDULER_HEALTH_PORT = 8974
REDIS_PORT = 6379
ALERT_PORT = 8790
#: What starts each way of running the lab: named wherever the harness finds a server down.
NATIVE_START_COMMAND = "./lab up"
COMPOSE_START_COMMAND = "docker compose up -d --wait"

#: Where each side finds the alert receiver's webhook (pair `failure_alert`): an Airflow Connection
#: (`AIRFLOW_CONN_LAB_ALERTS`) and a Prefect Webhook block the prefect-deploy job saves.
ALERT_CONNECTION = "lab_alerts"
ALERT_BLOCK = "lab-alerts"

WORK_POOL = "lab"
#: Deployment `<pair>/<pair><SERVED_SUFFIX>`: the pair run by a `prefect.serve` process instead of the worker.
SERVED_SUFFIX = "-served"

#: database -> (role, name of the `.env` key holding that role's password)
DATABASES: Mapping[str, tuple[str, str]] = {
    "airflow": ("airflow", "LAB_AIRFLOW_DB_PASSWORD"),
    "prefect": ("prefect", "LAB_PREFECT_DB_PASSWORD"),
    "warehouse": ("warehouse", "LAB_WAREHOUSE_DB_PASSWORD"),
}

#: `.env` values the pipelines read through their orchestrator's own store (pair `secrets_and_config`):
#: Airflow as a Connection and a Variable given by environment variables (`airflow_pipeline_settings`),
#: Prefect as a Secret block and a Variable that the prefect-deploy job creates from its environment.
PIPELINE_SETTINGS = ("LAB_PIPELINE_SECRET", "LAB_EXPORT_COUNTRY")

Profile = Literal["stock", "tuned", "robust"]
PROFILES: tuple[Profile, ...] = ("stock", "tuned", "robust")
DEFAULT_PROFILE: Profile = "tuned"


@dataclass(frozen=True)
class Setting:
    """One setting a profile moves from the vendor's default, under its documented name."""

    variable: str
    documented_as: str
    values: Mapping[Profile, str]
    why: str


#: What each profile changes from the vendors' defaults; `stock` holds the defaults themselves and sets nothing.
#: `tests/pipelines/test_profile_settings.py` checks every name, and every stock value, against the pinned
#: releases' own settings.
PROFILE_SETTINGS: tuple[Setting, ...] = (
    Setting("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "[dag_processor] refresh_interval",
            {"stock": "300", "tuned": "5", "robust": "5"}, "a new DAG file shows up in seconds, not five minutes"),
    Setting("PREFECT_WORKER_QUERY_SECONDS", "PREFECT_WORKER_QUERY_SECONDS",
            {"stock": "10", "tuned": "1", "robust": "1"},
            "the worker polls for scheduled runs every second, as Airflow's scheduler loop does"),
    Setting("PREFECT_RUNNER_POLL_FREQUENCY", "PREFECT_RUNNER_POLL_FREQUENCY",
            {"stock": "10", "tuned": "1", "robust": "1"},
            "a `prefect.serve` process polls as often as the worker does (the bench workload `served`)"),
    Setting("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT", "[scheduler] task_instance_heartbeat_timeout",
            {"stock": "300", "tuned": "300", "robust": "30"},
            "a task whose supervisor stopped heartbeating (its worker died) is failed and retried after 30 s"),
    Setting("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL",
            "[scheduler] task_instance_heartbeat_timeout_detection_interval",
            {"stock": "10.0", "tuned": "10.0", "robust": "5.0"}, "the scheduler looks for such tasks every 5 s"),
    # A restarted scheduler fails only the tasks it queued itself when their heartbeats stop; the tasks of a
    # scheduler that died are reset by the orphan check, once that scheduler is 30 s silent
    # ([scheduler] scheduler_health_check_threshold): by default every 300 s.
    Setting("AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL", "[scheduler] orphaned_tasks_check_interval",
            {"stock": "300.0", "tuned": "300.0", "robust": "15.0"},
            "the tasks of a scheduler that died (the kill-worker fault) are reset and run again within a minute"),
    Setting("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY",
            {"stock": "180", "tuned": "180", "robust": "30"},
            "a flow run says it is alive every 30 s (the least Prefect allows); the automation "
            "`config/automations/crash-zombie-flow-runs.json` marks it Crashed when it stops"),
)
#: The caps that shape a burst or a fan-out, as this lab runs each side (the vendors' defaults, none
#: changed by a profile): side -> (setting, value, what it limits). Stored with every bench session
#: and printed beside the burst and fan-out figures.
CONCURRENCY_CAPS: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "airflow": (
        ("[core] parallelism", "32", "task instances running at once on the LocalExecutor, all DAGs"),
        ("[core] max_active_runs_per_dag", "16", "runs of one DAG at once: a burst of 50 runs 16 at a time"),
        ("[core] max_active_tasks_per_dag", "16", "tasks of one run at once: a 1000-way map runs 16 at a time"),
        ("[scheduler] max_tis_per_query", "16", "task instances the scheduler queues per loop"),
    ),
    "prefect": (
        ("process worker --limit", "none", "flow runs started at once: a burst of 50 is 50 processes"),
        ("ThreadPoolTaskRunner max_workers", "unbounded",
         "task runs of one flow run at once (PREFECT_TASKS_RUNNER_THREAD_POOL_MAX_WORKERS unset)"),
    ),
}


@dataclass(frozen=True)
class Placement:
    """Where the services run: what differs between native processes and compose containers."""

    name: Literal["native", "compose"]
    postgres_host: str
    airflow_api_host: str
    prefect_api_host: str
    alert_host: str
    """Where the orchestrators reach the alert receiver (`alert-receiver`)."""
    redis_host: str
    """Where Airflow's scheduler and Celery workers reach the broker (scale-out only)."""
    bind_host: str
    root: str
    airflow_home: str
    prefect_home: str
    work_log: str
    """Folder the tasks' own clocks write to (`shared_logic.work_clock`), read by the harness."""
    database_prefix: str = ""
    """Put before each role and database name: native mode shares the machine's one PostgreSQL
    cluster between checkouts, so each names its own (see `LabSettings.database_prefix`)."""

    def database(self, name: str) -> tuple[str, str, str]:
        """(role, database, the `.env` key of the role's password) of one of DATABASES, here."""
        role, key = DATABASES[name]
        return f"{self.database_prefix}{role}", f"{self.database_prefix}{name}", key


@dataclass(frozen=True)
class Health:
    """How to tell a service is ready: an HTTP GET that answers 200 and, optionally, a JSON field;
    or, for a service with no HTTP side, a shell command in its own environment that exits 0 (the
    same command compose runs as the container's health check)."""

    url: str = ""
    json_path: tuple[str, ...] = ()
    expect: str | bool | None = None
    shell: str = ""


@dataclass(frozen=True)
class Service:
    name: str
    side: Literal["lab", "airflow", "prefect"]
    """Whose environment runs it: an orchestrator's, or the lab's own (the alert receiver, neither's)."""
    command: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    oneshot: bool = False
    port: int | None = None
    health: Health | None = None
    system_package: str | None = None
    """Native mode runs the machine's program from this Debian package, not one from an environment."""
    bind_flag: str | None = None
    """The option that sets the address it listens on, for a program with no setting for it in the
    environment: native mode passes the placement's bind host (loopback); a container keeps its default."""
    host: str | None = None
    """The network namespace it runs in (`./lab up --hosts`: a simulated host; see `hosts.py`)."""
    instance_of: str | None = None
    """Set on the numbered copies native scale-out starts (`airflow-worker-2` is an `airflow-worker`)."""

    @property
    def kind(self) -> str:
        """The service this is, or is a copy of: what its environment and health check follow."""
        return self.instance_of or self.name


#: Where the pipelines' own code runs, the only services given the warehouse: Airflow's
#: LocalExecutor forks its tasks from the scheduler (its Celery workers, when scaled out) and the
#: dag-processor runs DAG-level callbacks (failure_hooks writes its alert there); Prefect's process
#: worker starts each flow run as its own process, hooks included.
TASK_RUNNERS = ("airflow-scheduler", "airflow-worker", "airflow-dag-processor", "prefect-worker")

_AIRFLOW_HEALTH = f"http://127.0.0.1:{AIRFLOW_PORT}/api/v2/monitor/health"

SERVICES: tuple[Service, ...] = (
    # The webhook a failed run calls (pair failure_alert): the lab's, so never paused while a side is measured.
    Service(
        "alert-receiver", "lab", ("python", "-m", "comparisons", "alert-receiver"), port=ALERT_PORT,
        health=Health(f"http://127.0.0.1:{ALERT_PORT}/health", ("ok",), True),
    ),
    # Pools are declared in config/pools.json (Airflow's own import format) and imported at every start.
    Service("airflow-init", "airflow",
            ("bash", "-c", "airflow db migrate && airflow pools import config/pools.json"), oneshot=True),
    Service(
        "airflow-apiserver", "airflow", ("airflow", "api-server"),
        depends_on=("airflow-init",), port=AIRFLOW_PORT,
        health=Health(_AIRFLOW_HEALTH, ("metadatabase", "status"), "healthy"),
    ),
    # --skip-serve-logs: the log servers bind every interface (not configurable); the api-server
    # reads task logs from the shared log folder instead.
    Service(
        "airflow-scheduler", "airflow", ("airflow", "scheduler", "--skip-serve-logs"),
        depends_on=("airflow-apiserver",), port=SCHEDULER_HEALTH_PORT,
        health=Health(f"http://127.0.0.1:{SCHEDULER_HEALTH_PORT}/health"),
    ),
    Service(
        "airflow-dag-processor", "airflow", ("airflow", "dag-processor"),
        depends_on=("airflow-apiserver",),
        health=Health(_AIRFLOW_HEALTH, ("dag_processor", "status"), "healthy"),
    ),
    Service(
        "airflow-triggerer", "airflow", ("airflow", "triggerer", "--skip-serve-logs"),
        depends_on=("airflow-apiserver",),
        health=Health(_AIRFLOW_HEALTH, ("triggerer", "status"), "healthy"),
    ),
    Service(
        "prefect-server", "prefect", ("prefect", "server", "start"), port=PREFECT_PORT,
        health=Health(f"http://127.0.0.1:{PREFECT_PORT}/api/health", (), True),
    ),
    Service(
        "prefect-deploy", "prefect", ("python", "-m", "comparisons.inside.prefect.deploy", "--pool", WORK_POOL),
        depends_on=("prefect-server",), oneshot=True,
    ),
    Service(
        "prefect-worker", "prefect",
        ("prefect", "worker", "start", "--pool", WORK_POOL, "--type", "process"),
        depends_on=("prefect-deploy",),
        health=Health(f"http://127.0.0.1:{PREFECT_PORT}/api/work_pools/{WORK_POOL}/workers/filter"),
    ),
)


#: Scale-out (`./lab up --scale-out N`, `docker/scale-out.yml`): Airflow's CeleryExecutor with Redis as
#: its broker and N Celery workers; Prefect's side scales by running N process workers on the same pool.
#: Natively Redis is Debian's redis-server (nothing saved to disk: a broker's queue is transient here)
#: and the workers are numbered instances of `airflow-worker` (`native.stack_services`).
SCALE_OUT_MAX = 8
#: What caps a scaled-out workload besides CONCURRENCY_CAPS (vendors' defaults, none moved): stored with each shape.
SCALE_OUT_CAPS: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "airflow": (
        ("[celery] worker_concurrency", "16", "task processes per Celery worker"),
        ("[core] parallelism", "32", "task instances queued or running at once, every worker together"),
    ),
    "prefect": (("process worker --limit", "none",
                 "flow runs each worker starts at once; the workers share the pool"),),
}

#: `./lab up --scale-out N --hosts`: the link from the simulated hosts to the control plane (`hosts.py`),
#: on every port a worker or its task processes use. Not in compose: the containers have a network each.
LINK_PORTS = (POSTGRES_PORT, REDIS_PORT, AIRFLOW_PORT, PREFECT_PORT, ALERT_PORT)
LINK = Service("link", "lab", ("python", "-m", "comparisons.stack.link_proxy", *map(str, LINK_PORTS)),
               depends_on=("alert-receiver",),
               health=Health(f"http://{LINK_ADDRESS}:{ALERT_PORT}/health", ("ok",), True))


def check_scale_out(workers: int) -> int:
    """`workers`, or a SetupError with the allowed range: `--scale-out 0` is the default stack, not a shape."""
    if not 1 <= workers <= SCALE_OUT_MAX:
        raise SetupError(f"--scale-out {workers} is out of range: give 1 to {SCALE_OUT_MAX} workers per "
                         f"orchestrator (each Celery worker runs up to 16 tasks at once; on 2 cores more "
                         f"than a few only compete for the same CPUs).")
    return workers


CELERY_APP = "airflow.providers.celery.executors.celery_executor.app"
SCALE_OUT_SERVICES: tuple[Service, ...] = (
    Service("redis", "airflow", ("redis-server", "--save", "", "--appendonly", "no"), port=REDIS_PORT,
            health=Health(shell=f"redis-cli -p {REDIS_PORT} ping | grep -q PONG"), system_package="redis-server",
            bind_flag="--bind"),
    # --skip-serve-logs as for the scheduler: the api-server reads task logs from the shared log folder.
    # The node name is celery@<host>; the health check pings this worker only, as the official file does.
    Service("airflow-worker", "airflow", ("airflow", "celery", "worker", "--skip-serve-logs"),
            depends_on=("redis", "airflow-apiserver"),
            health=Health(shell=f'celery --app {CELERY_APP} inspect ping -d "celery@$HOSTNAME"')),
)


def service(name: str) -> Service:
    for candidate in (*SERVICES, *SCALE_OUT_SERVICES):
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def warehouse_dsn(placement: Placement, secrets: Mapping[str, str]) -> str:
    role, database, key = placement.database("warehouse")
    return f"postgresql://{role}:{secrets[key]}@{placement.postgres_host}:{POSTGRES_PORT}/{database}"


def alert_url(placement: Placement, side: str) -> str:
    """The webhook `side`'s failed runs call: the receiver keeps each side's alerts apart by path."""
    return f"http://{placement.alert_host}:{ALERT_PORT}/alerts/{side}"


def airflow_alert_connection(placement: Placement) -> dict[str, str]:
    """Connection `lab_alerts`, the receiver's endpoint, as Airflow reads one from its environment."""
    return {f"AIRFLOW_CONN_{ALERT_CONNECTION.upper()}": json.dumps(
        {"conn_type": "http", "host": placement.alert_host, "port": ALERT_PORT, "schema": "http"})}


def profile_settings(profile: Profile) -> dict[str, str]:
    """The variables `profile` sets, both sides': those it moves from the vendors' defaults (none for `stock`)."""
    return {setting.variable: setting.values[profile] for setting in PROFILE_SETTINGS
            if setting.values[profile] != setting.values["stock"]}


def airflow_pipeline_settings(values: Mapping[str, str]) -> dict[str, str]:
    """Connection `lab_partner` (its password is the pipeline secret) and Variable `lab_export_country`.

    Given as `AIRFLOW_CONN_*`/`AIRFLOW_VAR_*` variables: Airflow reads them before its database,
    never lists them in the UI, and masks a connection's password in task logs. Keys missing
    from `values` are left out (the in-process runner passes only what a pair needs).
    """
    env = {}
    if "LAB_PIPELINE_SECRET" in values:
        env["AIRFLOW_CONN_LAB_PARTNER"] = json.dumps(
            {"conn_type": "generic", "password": values["LAB_PIPELINE_SECRET"]})
    if "LAB_EXPORT_COUNTRY" in values:
        env["AIRFLOW_VAR_LAB_EXPORT_COUNTRY"] = values["LAB_EXPORT_COUNTRY"]
    return env


def _airflow_environment(p: Placement, secrets: Mapping[str, str]) -> dict[str, str]:
    role, database, key = p.database("airflow")
    return {
        "AIRFLOW_HOME": p.airflow_home,
        "AIRFLOW__CORE__DAGS_FOLDER": f"{p.root}/airflow_dags",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{secrets['LAB_ADMIN_USERNAME']}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": f"{p.airflow_home}/passwords.json",
        "AIRFLOW__CORE__FERNET_KEY": secrets["LAB_AIRFLOW_FERNET_KEY"],
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (
            f"http://{p.airflow_api_host}:{AIRFLOW_PORT}/execution/"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
            f"postgresql+psycopg2://{role}:{secrets[key]}@{p.postgres_host}:{POSTGRES_PORT}/{database}"),
        "AIRFLOW__API__HOST": p.bind_host,
        "AIRFLOW__API__PORT": str(AIRFLOW_PORT),
        "AIRFLOW__API__SECRET_KEY": secrets["LAB_AIRFLOW_API_SECRET_KEY"],
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets["LAB_AIRFLOW_JWT_SECRET"],
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": p.bind_host,
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(SCHEDULER_HEALTH_PORT),
    }


def _prefect_environment(p: Placement) -> dict[str, str]:
    return {
        "PREFECT_HOME": p.prefect_home,
        "PREFECT_API_URL": f"http://{p.prefect_api_host}:{PREFECT_PORT}/api",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{PREFECT_PORT}/api",
        # The UI's own address, for the links the server writes (an automation's `ui_url`, failure_alert's
        # alert): inferred from PREFECT_API_URL otherwise, a host name only the compose network knows.
        "PREFECT_UI_URL": f"http://127.0.0.1:{PREFECT_PORT}",
        "PREFECT_SERVER_API_HOST": p.bind_host,
        "PREFECT_SERVER_API_PORT": str(PREFECT_PORT),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def celery_environment(placement: Placement, secrets: Mapping[str, str]) -> dict[str, str]:
    """What scale-out changes for every Airflow service: the executor, its broker and the result
    backend (Airflow's own database, as the official compose file has it)."""
    role, database, key = placement.database("airflow")
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://{placement.redis_host}:{REDIS_PORT}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": (
            f"db+postgresql://{role}:{secrets[key]}@{placement.postgres_host}:{POSTGRES_PORT}/{database}"),
    }


def service_environment(
    svc: Service, placement: Placement, secrets: Mapping[str, str], *, profile: Profile = DEFAULT_PROFILE,
    scale_out: bool = False,
) -> dict[str, str]:
    """The environment a service runs with, identical in both modes but for the placement."""
    name = svc.kind
    if name == "redis":
        return {}
    if svc.side == "lab":
        return {"PYTHONPATH": placement.root, "LAB_WAREHOUSE_DSN": warehouse_dsn(placement, secrets),
                "LAB_ALERT_BIND": placement.bind_host}
    env = _airflow_environment(placement, secrets) if svc.side == "airflow" else _prefect_environment(placement)
    prefix = "AIRFLOW__" if svc.side == "airflow" else "PREFECT_"
    env |= {k: v for k, v in profile_settings(profile).items() if k.startswith(prefix)}
    if name == "prefect-server":  # the only Prefect service that talks to the database
        role, database, key = placement.database("prefect")
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = (
            f"postgresql+asyncpg://{role}:{secrets[key]}@{placement.postgres_host}:{POSTGRES_PORT}/{database}")
    if name == "prefect-deploy":  # it creates Prefect's Secret block, Variable and Webhook block from these
        env |= {key: secrets[key] for key in PIPELINE_SETTINGS} | {"LAB_ALERT_URL": alert_url(placement, "prefect")}
    if name in ("airflow-scheduler", "airflow-worker"):  # the executor's task processes inherit these
        env |= airflow_pipeline_settings(secrets)
    if svc.side == "airflow" and (scale_out or name == "airflow-worker"):
        env |= celery_environment(placement, secrets)
    env["PYTHONPATH"] = placement.root
    if name in TASK_RUNNERS:
        env["LAB_WAREHOUSE_DSN"] = warehouse_dsn(placement, secrets)
    if name == "airflow-dag-processor":  # where DAG-level callbacks, failure_alert's notifier, run
        env |= airflow_alert_connection(placement)
    env["LAB_PROFILE"] = profile
    env["LAB_WORK_LOG"] = placement.work_log
    return env
