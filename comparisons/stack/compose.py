"""docker-compose.yml, generated from the one definition in `services.py`.

Native mode and compose share versions, ports, commands, environment and health checks: this module
renders `SERVICES` with `service_environment(placement=compose_placement())`, each secret moved
out of the file into the `lab-secrets` volume (see SECRETS_DIR), and the settings the services of
one orchestrator share written once as `x-` anchors, as in Airflow's official file. `./lab compose`
(or `python3 -m comparisons.stack.compose`) writes the files below; `tests/unit/test_compose_parity.py`
fails when the committed files differ from what this module renders, so editing `services.py`
without regenerating cannot go unnoticed.

Files written: docker-compose.yml, docker/scale-out.yml (CeleryExecutor, Redis, N workers),
docker/postgres-port.yml (opt-in database port), docker/postgres-init.sh, docker/lab.Dockerfile
and docker/prefect.Dockerfile.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from comparisons.stack.environments import PYTHON_VERSION
from comparisons.stack.secrets import DEFAULTS, GENERATED
from comparisons.stack.services import (
    AIRFLOW_PORT,
    AIRFLOW_VERSION,
    COMPOSE_START_COMMAND,
    DATABASES,
    POSTGRES_PORT,
    PREFECT_PORT,
    PREFECT_VERSION,
    REPO_ROOT,
    SCALE_OUT_SERVICES,
    SERVICES,
    Placement,
    Service,
    locked_version,
    service,
    service_environment,
)

__all__ = [
    "COMPOSE_ONLY_ENVIRONMENT",
    "PUBLISHED_PORTS",
    "compose_command",
    "compose_document",
    "compose_environment",
    "compose_placement",
    "generated_files",
    "harness_environment",
    "main",
    "render_compose",
    "scale_out_document",
    "placeholders",
    "secret_templates",
    "write_files",
]

MISSING_SECRET = "run ./lab compose to create .env"

# Images. Users get the vendors' official images, on the Python the locks are compiled for; CI points
# the LAB_…_IMAGE variables (named so an unrelated export cannot swap one) at stand-ins built from the
# lab's own locks (tests/compose). Compose uses PostgreSQL 16 like Airflow's official compose file;
# native mode uses Debian bookworm's 15. The lab's code and pipelines are identical on both.
AIRFLOW_IMAGE = f"${{LAB_AIRFLOW_IMAGE:-apache/airflow:{AIRFLOW_VERSION}-python{PYTHON_VERSION}}}"
PREFECT_BASE_IMAGE = f"${{LAB_PREFECT_IMAGE:-prefecthq/prefect:{PREFECT_VERSION}-python{PYTHON_VERSION}}}"
POSTGRES_IMAGE = "${LAB_POSTGRES_IMAGE:-postgres:16}"
PYTHON_IMAGE = f"${{LAB_PYTHON_IMAGE:-python:{PYTHON_VERSION}-slim-bookworm}}"
REDIS_IMAGE = "${LAB_REDIS_IMAGE:-redis:7.2-bookworm}"
#: Built on top of the images above by `docker compose up --build` (see docker/*.Dockerfile).
PREFECT_IMAGE = f"airflow-prefect-lab/prefect:{PREFECT_VERSION}"
LAB_IMAGE = "airflow-prefect-lab/harness:latest"

#: Service -> (variable choosing the host port, container port). Published on 127.0.0.1 only.
PUBLISHED_PORTS: Mapping[str, tuple[str, int]] = {
    "airflow-apiserver": ("LAB_AIRFLOW_HOST_PORT", AIRFLOW_PORT),
    "prefect-server": ("LAB_PREFECT_HOST_PORT", PREFECT_PORT),
}

#: What compose adds to a service's native environment, and why.
COMPOSE_ONLY_ENVIRONMENT: Mapping[str, Mapping[str, str]] = {
    # Native mode writes Airflow's passwords file itself; in compose the init container does.
    "airflow-init": {"LAB_ADMIN_USERNAME": "${LAB_ADMIN_USERNAME:-admin}",
                     "LAB_ADMIN_PASSWORD_FILE": "/run/lab-secrets/airflow/LAB_ADMIN_PASSWORD"},
}
#: Airflow's entrypoint waits for `airflow db check` unless told not to; compose already gates
#: every Airflow service on PostgreSQL being healthy (as the official file does for its init).
#: (`[api] workers` is left at its default, 1: the size for a laptop.)
AIRFLOW_COMPOSE_ONLY = {"CONNECTION_CHECK_MAX_COUNT": "0"}

#: The lab's folders each kind of container sees (read-only, at the placement's root): an edited
#: pipeline shows up without a rebuild.
_MOUNTS: Mapping[str, tuple[str, ...]] = {
    "airflow": ("airflow_dags", "shared_logic", "config"),
    "prefect-server": (),
    # `comparisons` reads the versions from the locks in `requirements/`.
    "prefect": ("prefect_flows", "shared_logic", "comparisons", "config", "requirements"),
    "lab": ("airflow_dags", "prefect_flows", "shared_logic", "comparisons", "config", "requirements", "published"),
}
_HEALTH_TIMING = {"interval": "5s", "timeout": "10s", "retries": 5, "start_period": "180s"}
# `airflow jobs check` imports Airflow: seconds of CPU, over a minute on a loaded 2-core machine.
_SLOW_HEALTH_TIMING = {"interval": "30s", "timeout": "120s", "retries": 5, "start_period": "180s"}
_JOB_CHECKS = {"airflow-dag-processor": "DagProcessorJob", "airflow-triggerer": "TriggererJob"}


def compose_placement() -> Placement:
    """Where the services run inside the compose network: service names as hosts, code under /opt/lab."""
    return Placement(
        name="compose",
        postgres_host="postgres",
        airflow_api_host="airflow-apiserver",
        prefect_api_host="prefect-server",
        alert_host="alert-receiver",
        redis_host="redis",
        bind_host="0.0.0.0",
        root="/opt/lab",
        airflow_home="/opt/airflow",
        prefect_home="/opt/prefect/home",
        work_log="/opt/lab/work-log",
    )


#: parallel_files' default folder: its mapped tasks read the files its first task wrote, so with
#: `--scale` every process that runs tasks must see the same folder (a named volume; in native
#: mode it is the machine's /tmp). Prefect's persisted results (PREFECT_HOME/storage, what the
#: caching pair reads back) are shared by the Prefect workers the same way.
PARALLEL_FILES = "/tmp/lab-parallel-files"

#: The secrets live in a named volume that the one-shot `lab-secrets` job fills on first `up`
#: (`comparisons.stack.compose_secrets`): generated, or taken from an optional `.env`. Each service
#: reads its own folder of it, as files, never as values in this file; `down -v` deletes it.
SECRETS_VOLUME = "lab-secrets"
SECRETS_DIR = "/run/lab-secrets"
SECRETS_JOB = "lab-secrets"
_TOKEN = "<<secret:{}>>"
_TOKEN_RE = re.compile(r"<<secret:(LAB_[A-Z_]+)>>")


def placeholders() -> dict[str, str]:
    """Every `.env` key as compose sees it: settings as `${KEY:-default}`, secrets as a token that
    `compose_secrets` replaces with the value when it writes the secret files."""
    refs = {key: f"${{{key}:-{value}}}" for key, value in DEFAULTS.items()}
    return refs | {key: _TOKEN.format(key) for key in GENERATED}


def fill(template: str, values: Mapping[str, str]) -> str:
    """A secret file's content: the template with each token replaced by its value."""
    return _TOKEN_RE.sub(lambda m: values[m.group(1)], template)


def _prefect_profile(settings: Mapping[str, str]) -> str:
    lines = ['active = "lab"', "", "[profiles.lab]"]
    return "\n".join([*lines, *(f"{key} = {json.dumps(value)}" for key, value in settings.items())]) + "\n"


def _split_environment(svc: Service, *, scale_out: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """(the environment compose gives `svc`, secret file -> template) for one service.

    How each kind of setting reads a file: Airflow's sensitive options through their `_CMD` form,
    the lab's own variables through `_FILE` (the postgres image's convention), Prefect's settings
    through a profile file (`PREFECT_PROFILES_PATH`; Prefect reads no `_FILE` variables), and
    Airflow's connection is imported into its database by airflow-init.
    """
    env = service_environment(svc, compose_placement(), placeholders(), scale_out=scale_out)
    if "PREFECT_UI_API_URL" in env:  # the browser on the host reaches the published port (PrefectHQ/prefect#20879)
        env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{_host_port('prefect-server')}/api"
        env["PREFECT_UI_URL"] = f"http://127.0.0.1:{_host_port('prefect-server')}"
    given: dict[str, str] = {}
    files: dict[str, str] = {}
    profile: dict[str, str] = {}
    for key, value in env.items():
        if not _TOKEN_RE.search(value):
            given[key] = value
        elif key.startswith("AIRFLOW_CONN_"):
            conn_id = key.removeprefix("AIRFLOW_CONN_").lower()
            files["airflow/connections.json"] = json.dumps({conn_id: json.loads(value)})
        elif key.startswith("AIRFLOW__"):
            given[f"{key}_CMD"] = f"cat {SECRETS_DIR}/airflow/{key}"
            files[f"airflow/{key}"] = value
        elif key.startswith("PREFECT_"):
            profile[key] = value
        else:
            given[f"{key}_FILE"] = f"{SECRETS_DIR}/{svc.side}/{key}"
            files[f"{svc.side}/{key}"] = value
    if profile:  # with the API URL too, so `prefect server start` never offers to edit the profile
        given["PREFECT_PROFILES_PATH"] = f"{SECRETS_DIR}/prefect/profiles.toml"
        files["prefect/profiles.toml"] = _prefect_profile({"PREFECT_API_URL": env["PREFECT_API_URL"], **profile})
    return given, files


#: Which service reads which folder of the secrets volume, as which user: the official images' own
#: (postgres 999, airflow AIRFLOW_UID with group 0, prefect root), and the checkout's owner for the
#: harness. `lab.env` is the harness's `.env`: the UI login and what it checks the outputs with.
SECRET_READERS: Mapping[str, str] = {"postgres": "999:999", "airflow": "${AIRFLOW_UID}:0", "prefect": "0:0",
                                     "lab": "checkout owner"}
HARNESS_SECRETS = ("LAB_ADMIN_USERNAME", "LAB_ADMIN_PASSWORD", "LAB_WAREHOUSE_DB_PASSWORD",
                   "LAB_PIPELINE_SECRET", "LAB_EXPORT_COUNTRY")


def secret_templates() -> dict[str, str]:
    """Every file of the secrets volume (folder/name) -> its template; see `fill`."""
    files: dict[str, str] = {"postgres/LAB_POSTGRES_PASSWORD": _TOKEN.format("LAB_POSTGRES_PASSWORD")}
    files |= {f"postgres/{key}": _TOKEN.format(key) for _, key in DATABASES.values()}
    files["airflow/LAB_ADMIN_PASSWORD"] = _TOKEN.format("LAB_ADMIN_PASSWORD")  # airflow-init's passwords file
    for svc, scale_out in [*((s, False) for s in SERVICES), *((s, True) for s in (*SERVICES, *SCALE_OUT_SERVICES))]:
        for name, template in _split_environment(svc, scale_out=scale_out)[1].items():  # docker/scale-out.yml too
            assert files.setdefault(name, template) == template, f"{name} differs between services"
    files["lab/lab.env"] = "".join(f"{key}={_TOKEN.format(key)}\n" for key in HARNESS_SECRETS)
    return files


#: Like the official Airflow file, the database port is not published by default (a local PostgreSQL
#: or the lab's native mode would make `up` fail); `docker/postgres-port.yml` publishes it on demand.
POSTGRES_HOST_PORT = ("LAB_POSTGRES_HOST_PORT", POSTGRES_PORT)


def _host_port(name: str) -> str:
    variable, port = POSTGRES_HOST_PORT if name == "postgres" else PUBLISHED_PORTS[name]
    return f"${{{variable}:-{port}}}"


def compose_environment(svc: Service, *, scale_out: bool = False) -> dict[str, str]:
    """The native environment with the compose placement, each secret read from a file."""
    env = _split_environment(svc, scale_out=scale_out)[0]
    env |= COMPOSE_ONLY_ENVIRONMENT.get(svc.name, {})
    return env


# airflow-init writes the UI login that native mode writes itself (Airflow's SimpleAuthManager
# opens that file for writing, so it cannot live in the read-only secrets volume).
_WRITE_PASSWORDS = (
    'import json, os, pathlib; e = os.environ; '
    'password = pathlib.Path(e["LAB_ADMIN_PASSWORD_FILE"]).read_text(); '
    'fd = os.open(e["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"], '
    'os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600); '
    'os.write(fd, json.dumps({e["LAB_ADMIN_USERNAME"]: password}).encode())'
)


#: The user the official Airflow image runs as (group 0, as its docs require); `AIRFLOW_UID`
#: moves it, as in Airflow's official compose file.
AIRFLOW_UID = "50000"
AIRFLOW_USER = f"${{AIRFLOW_UID:-{AIRFLOW_UID}}}:0"


def compose_command(svc: Service) -> list[str]:
    """The native command; airflow-init first writes the UI login and imports the connection.

    airflow-init runs as root, as in Airflow's official compose file, so that it can hand the
    folders every Airflow service writes (its home, the tasks' work log) to the image's user.
    """
    if svc.name != "airflow-init":
        return list(svc.command)
    write = f"python -c {shlex.quote(_WRITE_PASSWORDS)}"
    body = svc.command[2] if svc.command[:2] == ("bash", "-c") else shlex.join(svc.command)
    connections = f"airflow connections import --overwrite {SECRETS_DIR}/airflow/connections.json"
    home, work_log = compose_placement().airflow_home, compose_placement().work_log
    hand_over = (f'chown -R "${{AIRFLOW_UID:-{AIRFLOW_UID}}}:0" {home} {work_log} {PARALLEL_FILES} '
                 f'&& chmod 2775 {work_log} {PARALLEL_FILES}')
    return ["bash", "-c", f"{write} && {body} && {connections} && {hand_over}"]


def _probe(url: str, json_path: tuple[str, ...] = (), expect: object = None, *, any_online: bool = False) -> list[str]:
    """A health check in Python's standard library, so it runs in every image (no curl needed)."""
    data = "b'{}'" if any_online else "None"
    lines = ["import functools, json, urllib.request as u",
             f"r = u.urlopen(u.Request({url!r}, data={data}, headers={{'Content-Type': 'application/json'}}), "
             "timeout=5)"]
    if any_online:
        lines.append("raise SystemExit(0 if any(w.get('status') == 'ONLINE' for w in json.load(r)) else 1)")
    elif json_path or expect is not None:
        lines.append(f"raise SystemExit(0 if functools.reduce(lambda d, k: d[k], {json_path!r}, json.load(r)) "
                     f"== {expect!r} else 1)")
    return ["CMD", "python", "-c", "; ".join(lines)]


def _inside(url: str, svc: Service, placement: Placement) -> str:
    """A health URL as seen from the service's own container: itself on 127.0.0.1, others by name."""
    parts = urlsplit(url)
    hosts = {AIRFLOW_PORT: placement.airflow_api_host, PREFECT_PORT: placement.prefect_api_host}
    host = "127.0.0.1" if parts.port == svc.port else hosts.get(parts.port or 0, parts.hostname or "")
    return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}"))


def _healthcheck(svc: Service) -> dict[str, Any] | None:
    if svc.name in _JOB_CHECKS:  # this container's own job, as Airflow's official compose file checks it
        test = ["CMD-SHELL", f'airflow jobs check --job-type {_JOB_CHECKS[svc.name]} --hostname "$${{HOSTNAME}}"']
        return {"test": test, **_SLOW_HEALTH_TIMING}
    if svc.health is None:
        return None
    if svc.health.shell:  # the command native mode runs, in the container's shell ($$: compose's escape)
        timing = _SLOW_HEALTH_TIMING if svc.side == "airflow" and svc.name != "redis" else _HEALTH_TIMING
        return {"test": ["CMD-SHELL", svc.health.shell.replace("$", "$$")], **timing}
    url = _inside(svc.health.url, svc, compose_placement())
    test = _probe(url, any_online=True) if svc.name == "prefect-worker" else _probe(
        url, svc.health.json_path, svc.health.expect)
    return {"test": test, **_HEALTH_TIMING}


def _mounts(group: str) -> list[Any]:
    root = compose_placement().root
    return [f"./{folder}:{root}/{folder}:ro" for folder in _MOUNTS[group]]


def _depends_on(svc: Service) -> dict[str, dict[str, str]]:
    if svc.name == "redis":
        return {}
    gates = {"postgres": {"condition": "service_healthy"}}
    needs = list(svc.depends_on)
    if svc.side == "airflow" and not svc.oneshot and "airflow-init" not in needs:
        needs.insert(0, "airflow-init")
    for name in needs:
        oneshot = service(name).oneshot
        gates[name] = {"condition": "service_completed_successfully" if oneshot else "service_healthy"}
    return gates


_SECRETS_MOUNT = f"{SECRETS_VOLUME}:{SECRETS_DIR}:ro"


_LAB_BUILD = {"context": ".", "dockerfile": "docker/lab.Dockerfile", "args": {"PYTHON_IMAGE": PYTHON_IMAGE}}
_LAB_ENTRYPOINT = ("python", "-m", "comparisons")  # docker/lab-entrypoint.sh's command


def _lab_service_block(svc: Service) -> dict[str, Any]:
    """A service of the lab's own (the alert receiver): the harness image, run by its entrypoint."""
    assert svc.command[:3] == _LAB_ENTRYPOINT, f"{svc.name} must be a `python -m comparisons` command"
    block: dict[str, Any] = {
        "image": LAB_IMAGE, "build": _LAB_BUILD, "command": list(svc.command[3:]),
        "working_dir": compose_placement().root, "environment": compose_environment(svc),
        "volumes": [*_mounts("lab"), _SECRETS_MOUNT],
    }
    health = _healthcheck(svc)
    if health:
        block["healthcheck"] = health
    return block | {"depends_on": _depends_on(svc), "restart": "unless-stopped"}


def _redis_block(svc: Service) -> dict[str, Any]:
    """The official redis image runs as its own user with its data in /data; nothing is saved here."""
    return {"image": REDIS_IMAGE, "command": list(svc.command), "healthcheck": _healthcheck(svc),
            "restart": "unless-stopped"}


def _service_block(svc: Service, *, scale_out: bool = False) -> dict[str, Any]:
    if svc.side == "lab":
        return _lab_service_block(svc)
    if svc.name == "redis":
        return _redis_block(svc)
    block: dict[str, Any] = {}
    if svc.side == "airflow":
        block["image"] = AIRFLOW_IMAGE
        block["user"] = "0:0" if svc.name == "airflow-init" else AIRFLOW_USER
    else:
        block["image"] = PREFECT_IMAGE
        block["build"] = {"context": "docker", "dockerfile": "prefect.Dockerfile",
                          "args": {"PREFECT_IMAGE": PREFECT_BASE_IMAGE}}
    block["command"] = compose_command(svc)
    block["working_dir"] = compose_placement().root  # native mode runs every service from the lab's root
    block["environment"] = compose_environment(svc, scale_out=scale_out) | (
        AIRFLOW_COMPOSE_ONLY if svc.side == "airflow" else {})
    mounts = _mounts("airflow" if svc.side == "airflow" else (
        "prefect-server" if svc.name == "prefect-server" else "prefect"))
    if svc.side == "airflow":
        mounts.insert(0, f"airflow-home:{compose_placement().airflow_home}")
    # Where task bodies run (the dag-processor runs only callbacks), plus airflow-init, which hands
    # these folders to AIRFLOW_UID.
    if svc.name in ("airflow-init", "airflow-scheduler", "airflow-worker", "prefect-worker"):
        mounts.append(f"work-log:{compose_placement().work_log}")
        mounts.append(f"parallel-files:{PARALLEL_FILES}")
    if svc.name == "prefect-worker":
        mounts.append(f"prefect-storage:{compose_placement().prefect_home}/storage")
    mounts.append(_SECRETS_MOUNT)
    block["volumes"] = mounts
    if svc.name in PUBLISHED_PORTS:
        block["ports"] = [f"127.0.0.1:{_host_port(svc.name)}:{PUBLISHED_PORTS[svc.name][1]}"]
    health = _healthcheck(svc)
    if health:
        block["healthcheck"] = health
    block["depends_on"] = _depends_on(svc)
    block["restart"] = "no" if svc.oneshot else "unless-stopped"
    return block


def _secrets_block() -> dict[str, Any]:
    """The one-shot job that fills the secrets volume: stdlib Python, in the Airflow image (pulled anyway)."""
    root = compose_placement().root
    overrides = {key: f"${{{key}:-}}" for key in [*GENERATED, *DEFAULTS]}
    return {
        "image": AIRFLOW_IMAGE,
        "user": "0:0",
        "command": ["python", "-m", "comparisons.stack.compose_secrets", SECRETS_DIR],
        "working_dir": root,
        "environment": {"PYTHONPATH": root, "AIRFLOW_UID": f"${{AIRFLOW_UID:-{AIRFLOW_UID}}}",
                        "CONNECTION_CHECK_MAX_COUNT": "0", **overrides},
        "volumes": [f"./comparisons:{root}/comparisons:ro", f"./requirements:{root}/requirements:ro",
                    f"{SECRETS_VOLUME}:{SECRETS_DIR}"],
        "restart": "no",
    }


def _postgres_block() -> dict[str, Any]:
    return {
        "image": POSTGRES_IMAGE,
        "environment": {"POSTGRES_PASSWORD_FILE": f"{SECRETS_DIR}/postgres/LAB_POSTGRES_PASSWORD"},
        "volumes": ["postgres-data:/var/lib/postgresql/data",
                    "./docker/postgres-init.sh:/docker-entrypoint-initdb.d/10-lab-databases.sh:ro",
                    _SECRETS_MOUNT],
        # Over TCP: the image's init phase serves on the socket only, so this passes after the init script.
        "healthcheck": {"test": ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", str(POSTGRES_PORT), "-U", "postgres"],
                        "interval": "2s", "timeout": "5s", "retries": 30, "start_period": "60s"},
        "depends_on": {SECRETS_JOB: {"condition": "service_completed_successfully"}},
        "restart": "unless-stopped",
    }


def harness_environment() -> dict[str, str]:
    """How the harness in the `lab` container reaches the servers (see LabSettings.from_environment)."""
    p = compose_placement()
    return {
        "LAB_AIRFLOW_URL": f"http://{p.airflow_api_host}:{AIRFLOW_PORT}",
        "LAB_PREFECT_URL": f"http://{p.prefect_api_host}:{PREFECT_PORT}/api",
        "LAB_POSTGRES_HOST": p.postgres_host,
        "LAB_DATABASE_PREFIX": p.database_prefix,  # compose's own PostgreSQL: the plain names
        "LAB_WORK_LOG": p.work_log,
        "LAB_ENV_FILE": f"{SECRETS_DIR}/lab/lab.env",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "LAB_START_COMMAND": COMPOSE_START_COMMAND,
    }


def _lab_block() -> dict[str, Any]:
    """The harness, run by hand on the stack `docker compose up -d --wait` started.

    No depends_on: `docker compose run` brings a service's dependencies up first, and with them it
    runs every finished one-shot job again (lab-secrets, airflow-init's migration, prefect-deploy):
    36-43 s per `run --rm lab credentials` on the compose test's stack, and the deployments re-made
    under the user. A harness that finds the servers down names `docker compose up -d --wait`.
    """
    root = compose_placement().root
    return {
        "image": LAB_IMAGE,
        "build": _LAB_BUILD,
        "profiles": ["lab"],
        "environment": harness_environment(),
        "volumes": [
            *_mounts("lab"),
            f"${{LAB_RESULTS_DIR:-./results}}:{root}/results",
            f"${{LAB_REPORTS_DIR:-./reports}}:{root}/reports",
            f"work-log:{compose_placement().work_log}",
            _SECRETS_MOUNT,
        ],
    }


def compose_document() -> dict[str, Any]:
    """The compose model, every service spelled out (the file factors the shared parts into anchors)."""
    services: dict[str, Any] = {SECRETS_JOB: _secrets_block(), "postgres": _postgres_block()}
    for svc in SERVICES:
        services[svc.name] = _service_block(svc)
    services["lab"] = _lab_block()
    return {"name": "airflow-prefect-lab", "services": services,
            "volumes": {name: {} for name in ("postgres-data", "airflow-home", "work-log", "parallel-files",
                                               "prefect-storage", SECRETS_VOLUME)}}


def scale_out_document() -> dict[str, Any]:
    """An override: Airflow's CeleryExecutor with Redis and `--scale airflow-worker=N` Celery workers.

    A compose profile can add services but cannot change the executor of the ones already defined,
    so scale-out is a second file layered on the first (`-f docker-compose.yml -f docker/scale-out.yml`).
    Everything in it comes from the one definition native `--scale-out` starts (`SCALE_OUT_SERVICES`,
    `celery_environment`); `--scale prefect-worker=N` needs nothing added.
    """
    services: dict[str, Any] = {}
    for svc in (s for s in SERVICES if s.side == "airflow"):
        base, scaled = compose_environment(svc), compose_environment(svc, scale_out=True)
        services[svc.name] = {"environment": {k: v for k, v in scaled.items() if base.get(k) != v}}
    services["airflow-scheduler"]["depends_on"] = {"redis": {"condition": "service_healthy"}}
    redis, worker = SCALE_OUT_SERVICES
    services["redis"] = _service_block(redis)
    block = _service_block(worker, scale_out=True)
    block["environment"]["DUMB_INIT_SETSID"] = "0"  # the official image's entrypoint: let Celery shut down warmly
    services["airflow-worker"] = block
    return {"services": services}


# ---------------------------------------------------------------------------------------------
# Files that go with the compose file


def _uv_version(root: Path) -> str:
    found = re.search(r"^UV_VERSION=(\S+)$", (root / "lab").read_text(), re.MULTILINE)
    if found is None:
        raise RuntimeError(f"{root / 'lab'} has no UV_VERSION= line; the lab image installs that uv.")
    return found.group(1)


_GENERATED_BY = "Generated by `./lab compose` from comparisons/stack/ — edit those, not this file."


def postgres_init_script() -> str:
    """One role and one database per entry of DATABASES, passwords from the secrets volume."""
    variables = " ".join(f'-v {role}_password="$(cat {SECRETS_DIR}/postgres/{key})"'
                         for role, key in DATABASES.values())
    sql = "".join(f"CREATE ROLE {role} LOGIN PASSWORD :'{role}_password';\nCREATE DATABASE {database} OWNER {role};\n"
                  for database, (role, _) in DATABASES.items())
    return (
        "#!/bin/bash\n"
        f"# {_GENERATED_BY}\n"
        "# Runs once, when the postgres volume is first created: the roles and databases of native mode,\n"
        "# with the passwords the lab-secrets job wrote. `docker compose down -v` starts afresh.\n"
        "set -euo pipefail\n"
        f'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres {variables} <<\'SQL\'\n'
        f"{sql}"
        "SQL\n"
    )


def lab_dockerfile(root: Path = REPO_ROOT) -> str:
    return (
        f"# {_GENERATED_BY}\n"
        "# The harness (`python -m comparisons`) in its locked environment; the code is mounted at run time.\n"
        "ARG PYTHON_IMAGE\n"
        "FROM ${PYTHON_IMAGE}\n"
        f"RUN python -m pip install --no-cache-dir uv=={_uv_version(root)}\n"
        "COPY requirements/lab.lock.txt /opt/lab-requirements/lab.lock.txt\n"
        'RUN uv venv --quiet --python "$(command -v python)" /opt/venv \\\n'
        " && uv pip sync --quiet --no-cache --compile-bytecode --python /opt/venv/bin/python "
        "/opt/lab-requirements/lab.lock.txt\n"
        f"ENV PATH=/opt/venv/bin:$PATH PYTHONPATH={compose_placement().root}\n"
        f"WORKDIR {compose_placement().root}\n"
        "COPY docker/lab-entrypoint.sh /usr/local/bin/lab-entrypoint.sh\n"
        'ENTRYPOINT ["/usr/local/bin/lab-entrypoint.sh"]\n'
        'CMD ["run"]\n'
    )


def prefect_dockerfile(root: Path = REPO_ROOT) -> str:
    version = locked_version("prefect.lock.txt", "psycopg2-binary", root)
    return (
        f"# {_GENERATED_BY}\n"
        "# Prefect's image plus what the flows need from the lab's lock: psycopg2 for the warehouse.\n"
        "ARG PREFECT_IMAGE\n"
        "FROM ${PREFECT_IMAGE}\n"
        'RUN python -c "import psycopg2" 2>/dev/null '
        f"|| uv pip install --system --no-cache psycopg2-binary=={version}\n"
    )


@dataclass(frozen=True)
class Anchor:
    """A mapping written once with `&name`, merged into others with `<<: *name`."""

    name: str
    value: dict[str, Any]


_PLAIN = re.compile(r"^[A-Za-z0-9_./@+-][A-Za-z0-9_./:@+=-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Anchor):
        return f"*{value.name}"
    text = str(value)
    if text == "<<":  # YAML's merge key, only when plain
        return text
    plain = _PLAIN.match(text) and not text.endswith(":") and text.lower() not in _YAML_WORDS
    if plain and not re.fullmatch(r"[-+.\d][\d._eE:+-]*", text):  # numbers, and YAML 1.1's 0:0 (base 60)
        return text
    return json.dumps(text)


def _yaml(value: Any, indent: int = 0) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        lines = []
        for key, item in value.items():
            if key == "<<" or not isinstance(item, (dict, list, _Defined)) or not item:
                lines.append(f"{pad}{_scalar(key)}: {_yaml(item)[0].strip()}")
            elif isinstance(item, _Defined):
                lines.append(f"{pad}{_scalar(key)}: &{item.anchor.name}")
                lines.extend(_yaml(item.anchor.value, indent + 2))
            else:
                lines.append(f"{pad}{_scalar(key)}:")
                lines.extend(_yaml(item, indent + 2))
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            nested = _yaml(item, indent + 2)
            lines.append(f"{pad}- {nested[0].strip()}")
            lines.extend(nested[1:])
        return lines if value else [pad + "[]"]
    return [pad + _scalar(value)]


@dataclass(frozen=True)
class _Defined:
    """Where an anchor is written out (everywhere else it is an alias)."""

    anchor: Anchor

    def __bool__(self) -> bool:
        return True


def to_yaml(document: Mapping[str, Any], header: str) -> str:
    """Block-style YAML of plain dicts, lists and scalars (strings JSON-quoted when not plainly safe)."""
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + "\n".join(_yaml(dict(document))) + "\n"


def _shared(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The keys every block has, each with the value most of them have (the others override it)."""
    shared = {}
    for key in blocks[0]:
        values = [b[key] for b in blocks if key in b]
        if len(values) == len(blocks):
            common = max(values, key=values.count)
            if values.count(common) > 1:
                shared[key] = common
    return shared


def factored(document: Mapping[str, Any], groups: Mapping[str, list[str]]) -> dict[str, Any]:
    """The document with each group's shared settings written once, as the official Airflow file does:
    `x-<group>-common: &<group>-common` (its environment `&<group>-env`), merged into each service."""
    out: dict[str, Any] = {"name": document["name"]}
    services = {name: dict(block) for name, block in document["services"].items()}
    for group, names in groups.items():
        blocks = [services[name] for name in names]
        env = {k: v for k, v in _shared([b["environment"] for b in blocks]).items()
               if all(b["environment"].get(k) == v for b in blocks)}
        common = {k: v for k, v in _shared(blocks).items() if k not in ("environment", "command", "healthcheck")}
        env_anchor = Anchor(f"{group}-env", env)
        common_anchor = Anchor(f"{group}-common", {**common, "environment": _Defined(env_anchor)})
        out[f"x-{group}-common"] = _Defined(common_anchor)
        for name, block in zip(names, blocks, strict=True):
            own = {k: v for k, v in block.items() if k == "environment" or common.get(k, object()) != v}
            extra = {k: v for k, v in block["environment"].items() if k not in env}
            if extra:
                own["environment"] = {"<<": env_anchor, **extra}
            else:
                del own["environment"]
            services[name] = {"<<": common_anchor, **own}
    out["services"] = services
    out |= {key: value for key, value in document.items() if key not in out}
    return out


_COMPOSE_HEADER = f"""{_GENERATED_BY}
tests/unit/test_compose_parity.py fails when this file and the definition disagree.
No preparation: the lab-secrets job generates every secret into a volume on the first `up`
(a `.env` beside this file may set any of them, see .env.example). The UIs are published on
127.0.0.1 only, the database not at all (docker/postgres-port.yml publishes it).

  {COMPOSE_START_COMMAND:<43}both orchestrators, every pipeline deployed
  docker compose run --rm lab credentials    the Airflow UI login
  docker compose run --rm lab run etl_basic  run a pair on both and compare the outputs
  docker compose run --rm lab report         reports/report.html
  docker compose down                        stop (add -v to delete the databases and secrets too)"""

_SCALE_HEADER = f"""{_GENERATED_BY}
Scale-out: Airflow's CeleryExecutor with Redis and N Celery workers, N Prefect workers.
  docker compose -f docker-compose.yml -f docker/scale-out.yml up -d --build --wait \\
      --scale airflow-worker=3 --scale prefect-worker=3"""


_POSTGRES_PORT_HEADER = f"""{_GENERATED_BY}
Opt-in: publish PostgreSQL on 127.0.0.1 (default 5432; move it with LAB_POSTGRES_HOST_PORT).
  docker compose -f docker-compose.yml -f docker/postgres-port.yml up -d --wait"""


def postgres_port_document() -> dict[str, Any]:
    """An override that publishes the database on loopback, for psql or a local client."""
    return {"services": {"postgres": {"ports": [f"127.0.0.1:{_host_port('postgres')}:{POSTGRES_PORT}"]}}}


GROUPS = {"airflow": [s.name for s in SERVICES if s.side == "airflow"],
          "prefect": [s.name for s in SERVICES if s.side == "prefect"]}


def render_compose() -> str:
    """docker-compose.yml as `./lab compose` writes it: the shared settings once, as anchors."""
    return to_yaml(factored(compose_document(), GROUPS), _COMPOSE_HEADER)


def generated_files(root: Path = REPO_ROOT) -> dict[str, str]:
    """Repository-relative path -> content of every file `./lab compose` writes."""
    return {
        "docker-compose.yml": render_compose(),
        "docker/scale-out.yml": to_yaml(scale_out_document(), _SCALE_HEADER),
        "docker/postgres-port.yml": to_yaml(postgres_port_document(), _POSTGRES_PORT_HEADER),
        "docker/postgres-init.sh": postgres_init_script(),
        "docker/lab.Dockerfile": lab_dockerfile(root),
        "docker/prefect.Dockerfile": prefect_dockerfile(root),
    }


def write_files(root: Path = REPO_ROOT) -> list[Path]:
    """(Re)write the generated files; returns the ones whose content changed."""
    changed = []
    for relative, content in generated_files(root).items():
        path = root / relative
        if path.exists() and path.read_text() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        if path.suffix == ".sh":
            path.chmod(0o755)
        changed.append(path)
    return changed


def main(root: Path = REPO_ROOT) -> int:
    """Write the compose files (the secrets are the lab-secrets job's, on the first `up`)."""
    changed = write_files(root)
    for path in changed:
        print(f"wrote {path.relative_to(root)}")
    if not changed:
        print("docker-compose.yml and docker/ are up to date with comparisons/stack/services.py")
    print(f"Next: {COMPOSE_START_COMMAND}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
