"""docker-compose.yml, generated from the one definition in `services.py`.

Native mode and compose share versions, ports, commands, environment and health checks: this module
renders `SERVICES` with `service_environment(placement=compose_placement())`, the secrets replaced
by `${KEY}` references to `.env`. `./lab compose` (or `python3 -m comparisons.stack.compose`, which
needs nothing but Python) writes the files below; `tests/unit/test_compose_parity.py` fails when the
committed files differ from what this module renders, so editing `services.py` without regenerating
cannot go unnoticed.

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
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from comparisons.stack.environments import PYTHON_VERSION
from comparisons.stack.secrets import DEFAULTS, GENERATED, ensure_env_file
from comparisons.stack.services import (
    AIRFLOW_PORT,
    AIRFLOW_VERSION,
    DATABASES,
    POSTGRES_PORT,
    PREFECT_PORT,
    PREFECT_VERSION,
    REPO_ROOT,
    SERVICES,
    Placement,
    Service,
    locked_version,
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
    "secret_references",
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
COMPOSE_ONLY_ENVIRONMENT: Mapping[str, tuple[str, ...]] = {
    # Native mode writes Airflow's passwords file itself; in compose the init container does.
    "airflow-init": ("LAB_ADMIN_USERNAME", "LAB_ADMIN_PASSWORD"),
}

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
        bind_host="0.0.0.0",
        root="/opt/lab",
        airflow_home="/opt/airflow",
        prefect_home="/opt/prefect/home",
        work_log="/opt/lab/work-log",
    )


def secret_references() -> dict[str, str]:
    """Every `.env` key as a compose reference: the file names secrets, it never holds one."""
    refs = {key: f"${{{key}:-{value}}}" for key, value in DEFAULTS.items()}
    refs |= {key: f"${{{key}:?{MISSING_SECRET}}}" for key in GENERATED}
    return refs


#: Like the official Airflow file, the database port is not published by default (a local PostgreSQL
#: or the lab's native mode would make `up` fail); `docker/postgres-port.yml` publishes it on demand.
POSTGRES_HOST_PORT = ("LAB_POSTGRES_HOST_PORT", POSTGRES_PORT)


def _host_port(name: str) -> str:
    variable, port = POSTGRES_HOST_PORT if name == "postgres" else PUBLISHED_PORTS[name]
    return f"${{{variable}:-{port}}}"


def compose_environment(svc: Service) -> dict[str, str]:
    """The native environment with the compose placement, secrets as references, browser URLs on the host port."""
    refs = secret_references()
    env = service_environment(svc, compose_placement(), refs)
    if "PREFECT_UI_API_URL" in env:  # the browser on the host reaches the published port (PrefectHQ/prefect#20879)
        env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{_host_port('prefect-server')}/api"
    for key in COMPOSE_ONLY_ENVIRONMENT.get(svc.name, ()):
        env[key] = refs[key]
    return env


_WRITE_PASSWORDS = (
    'import json, os; e = os.environ; '
    'fd = os.open(e["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"], '
    'os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600); '
    'os.write(fd, json.dumps({e["LAB_ADMIN_USERNAME"]: e["LAB_ADMIN_PASSWORD"]}).encode())'
)


#: The user the official Airflow image runs as (group 0, as its docs require).
AIRFLOW_UID = "50000"


def compose_command(svc: Service) -> list[str]:
    """The native command; airflow-init first writes the UI login that native mode writes itself.

    airflow-init runs as root, as in Airflow's official compose file, so that it can hand the
    folders every Airflow service writes (its home, the tasks' work log) to the image's user.
    """
    if svc.name != "airflow-init":
        return list(svc.command)
    write = f"python -c {shlex.quote(_WRITE_PASSWORDS)}"
    body = svc.command[2] if svc.command[:2] == ("bash", "-c") else shlex.join(svc.command)
    home, work_log = compose_placement().airflow_home, compose_placement().work_log
    hand_over = f"chown -R {AIRFLOW_UID}:0 {home} {work_log} && chmod 2775 {work_log}"
    return ["bash", "-c", f"{write} && {body} && {hand_over}"]


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
    url = _inside(svc.health.url, svc, compose_placement())
    test = _probe(url, any_online=True) if svc.name == "prefect-worker" else _probe(
        url, svc.health.json_path, svc.health.expect)
    return {"test": test, **_HEALTH_TIMING}


def _mounts(group: str) -> list[Any]:
    root = compose_placement().root
    return [f"./{folder}:{root}/{folder}:ro" for folder in _MOUNTS[group]]


def _depends_on(svc: Service) -> dict[str, dict[str, str]]:
    gates = {"postgres": {"condition": "service_healthy"}}
    needs = list(svc.depends_on)
    if svc.side == "airflow" and not svc.oneshot and "airflow-init" not in needs:
        needs.insert(0, "airflow-init")
    for name in needs:
        oneshot = next(s for s in SERVICES if s.name == name).oneshot
        gates[name] = {"condition": "service_completed_successfully" if oneshot else "service_healthy"}
    return gates


def _service_block(svc: Service) -> dict[str, Any]:
    block: dict[str, Any] = {}
    if svc.side == "airflow":
        block["image"] = AIRFLOW_IMAGE
    else:
        block["image"] = PREFECT_IMAGE
        block["build"] = {"context": "docker", "dockerfile": "prefect.Dockerfile",
                          "args": {"PREFECT_IMAGE": PREFECT_BASE_IMAGE}}
    block["command"] = compose_command(svc)
    if svc.name == "airflow-init":
        block["user"] = "0:0"
    block["working_dir"] = compose_placement().root  # native mode runs every service from the lab's root
    block["environment"] = compose_environment(svc)
    mounts = _mounts("airflow" if svc.side == "airflow" else (
        "prefect-server" if svc.name == "prefect-server" else "prefect"))
    if svc.side == "airflow":
        mounts.insert(0, f"airflow-home:{compose_placement().airflow_home}")
    if svc.name in ("airflow-init", "airflow-scheduler", "prefect-worker"):  # where task code runs
        mounts.append(f"work-log:{compose_placement().work_log}")
    if mounts:
        block["volumes"] = mounts
    if svc.name in PUBLISHED_PORTS:
        block["ports"] = [f"127.0.0.1:{_host_port(svc.name)}:{PUBLISHED_PORTS[svc.name][1]}"]
    health = _healthcheck(svc)
    if health:
        block["healthcheck"] = health
    block["depends_on"] = _depends_on(svc)
    block["restart"] = "no" if svc.oneshot else "unless-stopped"
    return block


def _postgres_block() -> dict[str, Any]:
    refs = secret_references()
    env = {"POSTGRES_PASSWORD": refs["LAB_POSTGRES_PASSWORD"]}
    env |= {key: refs[key] for _, key in DATABASES.values()}
    return {
        "image": POSTGRES_IMAGE,
        "environment": env,
        "volumes": ["postgres-data:/var/lib/postgresql/data",
                    "./docker/postgres-init.sh:/docker-entrypoint-initdb.d/10-lab-databases.sh:ro"],
        # Over TCP: the image's init phase serves on the socket only, so this passes after the init script.
        "healthcheck": {"test": ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", str(POSTGRES_PORT), "-U", "postgres"],
                        "interval": "2s", "timeout": "5s", "retries": 30, "start_period": "60s"},
        "restart": "unless-stopped",
    }


def harness_environment() -> dict[str, str]:
    """How the harness in the `lab` container reaches the servers (see LabSettings.from_environment)."""
    p = compose_placement()
    return {
        "LAB_AIRFLOW_URL": f"http://{p.airflow_api_host}:{AIRFLOW_PORT}",
        "LAB_PREFECT_URL": f"http://{p.prefect_api_host}:{PREFECT_PORT}/api",
        "LAB_POSTGRES_HOST": p.postgres_host,
        "LAB_WORK_LOG": p.work_log,
        "MPLCONFIGDIR": "/tmp/matplotlib",
    }


def _lab_block() -> dict[str, Any]:
    root = compose_placement().root
    ready = [s.name for s in SERVICES if not s.oneshot and s.health is not None]
    return {
        "image": LAB_IMAGE,
        "build": {"context": ".", "dockerfile": "docker/lab.Dockerfile", "args": {"PYTHON_IMAGE": PYTHON_IMAGE}},
        "profiles": ["lab"],
        "user": "${LAB_UID:-0}:${LAB_GID:-0}",
        "environment": harness_environment(),
        "volumes": [
            *_mounts("lab"),
            f"${{LAB_RESULTS_DIR:-./results}}:{root}/results",
            f"${{LAB_REPORTS_DIR:-./reports}}:{root}/reports",
            f"work-log:{compose_placement().work_log}",
            {"type": "bind", "source": "./.env", "target": f"{root}/.env", "read_only": True},
        ],
        "depends_on": {name: {"condition": "service_healthy"} for name in ready},
    }


def compose_document() -> dict[str, Any]:
    services: dict[str, Any] = {"postgres": _postgres_block()}
    for svc in SERVICES:
        services[svc.name] = _service_block(svc)
    services["lab"] = _lab_block()
    return {"name": "airflow-prefect-lab", "services": services,
            "volumes": {"postgres-data": {}, "airflow-home": {}, "work-log": {}}}


def _celery_environment() -> dict[str, str]:
    role, key = DATABASES["airflow"]
    password = secret_references()[key]
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": "redis://redis:6379/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": (
            f"db+postgresql://{role}:{password}@{compose_placement().postgres_host}:{POSTGRES_PORT}/airflow"),
    }


def scale_out_document() -> dict[str, Any]:
    """An override: Airflow's CeleryExecutor with Redis and `--scale airflow-worker=N` Celery workers.

    A compose profile can add services but cannot change the executor of the ones already defined,
    so scale-out is a second file layered on the first (`-f docker-compose.yml -f docker/scale-out.yml`).
    """
    celery = _celery_environment()
    services: dict[str, Any] = {svc.name: {"environment": dict(celery)} for svc in SERVICES if svc.side == "airflow"}
    services["airflow-scheduler"]["depends_on"] = {"redis": {"condition": "service_healthy"}}
    worker_env = service_environment(SERVICES[0], compose_placement(), secret_references()) | celery
    worker_env["DUMB_INIT_SETSID"] = "0"  # the official image's entrypoint: let Celery shut down warmly
    services["redis"] = {
        "image": REDIS_IMAGE,
        "healthcheck": {"test": ["CMD", "redis-cli", "ping"], **_HEALTH_TIMING},
        "restart": "unless-stopped",
    }
    services["airflow-worker"] = {
        "image": AIRFLOW_IMAGE,
        "command": ["airflow", "celery", "worker"],
        "environment": worker_env,
        "volumes": [f"airflow-home:{compose_placement().airflow_home}", *_mounts("airflow"),
                    f"work-log:{compose_placement().work_log}"],
        "healthcheck": {"test": ["CMD-SHELL", "celery --app airflow.providers.celery.executors.celery_executor.app "
                                 'inspect ping -d "celery@$${HOSTNAME}"'], **_SLOW_HEALTH_TIMING},
        "depends_on": {"redis": {"condition": "service_healthy"},
                       "airflow-init": {"condition": "service_completed_successfully"},
                       "airflow-apiserver": {"condition": "service_healthy"}},
        "restart": "unless-stopped",
    }
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
    """One role and one database per entry of DATABASES, passwords from the container's environment."""
    variables = " ".join(f'-v {role}_password="${key}"' for role, key in DATABASES.values())
    sql = "".join(f"CREATE ROLE {role} LOGIN PASSWORD :'{role}_password';\nCREATE DATABASE {database} OWNER {role};\n"
                  for database, (role, _) in DATABASES.items())
    return (
        "#!/bin/bash\n"
        f"# {_GENERATED_BY}\n"
        "# Runs once, when the postgres volume is first created: the roles and databases of native mode,\n"
        "# with the passwords of .env. Changed one since? `docker compose down -v` starts afresh.\n"
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
        'ENTRYPOINT ["python", "-m", "comparisons"]\n'
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


_PLAIN = re.compile(r"^[A-Za-z0-9_./@+-][A-Za-z0-9_./:@+=-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
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
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_scalar(key)}:")
                lines.extend(_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{_scalar(key)}: {_yaml(item)[0].strip()}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            nested = _yaml(item, indent + 2)
            lines.append(f"{pad}- {nested[0].strip()}")
            lines.extend(nested[1:])
        return lines if value else [pad + "[]"]
    return [pad + _scalar(value)]


def to_yaml(document: Mapping[str, Any], header: str) -> str:
    """Block-style YAML of plain dicts, lists and scalars (strings JSON-quoted when not plainly safe)."""
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + "\n".join(_yaml(dict(document))) + "\n"


_COMPOSE_HEADER = f"""{_GENERATED_BY}
tests/unit/test_compose_parity.py fails when this file and the definition disagree.
Every secret is a reference to .env; the UIs are published on 127.0.0.1 only, the database not at all.

  docker compose up -d --build --wait        both orchestrators, every pipeline deployed
  docker compose run --rm lab run etl_basic  run a pair on both and compare the outputs
  docker compose run --rm lab report         reports/report.html
  docker compose down                        stop (add -v to delete the databases too)"""

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


def render_compose() -> str:
    """docker-compose.yml as `./lab compose` writes it."""
    return to_yaml(compose_document(), _COMPOSE_HEADER)


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
    """Write the compose files and make sure `.env` holds every secret they reference."""
    changed = write_files(root)
    for path in changed:
        print(f"wrote {path.relative_to(root)}")
    if not changed:
        print("docker-compose.yml and docker/ are up to date with comparisons/stack/services.py")
    ensure_env_file(root / ".env", root / ".env.example")
    print(".env has every secret the compose file references (generated where blank; never overwritten).")
    print("Next: docker compose up -d --build --wait")
    return 0


if __name__ == "__main__":
    sys.exit(main())
