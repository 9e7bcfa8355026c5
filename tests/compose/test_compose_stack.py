"""docker compose for real: the README's commands on a local Docker engine, with stand-in images.

`docker compose up -d --build --wait` brings the whole lab up, gated on every health check;
`docker compose run --rm lab run etl_basic` runs the pair on both orchestrators from inside the
compose network and must find the outputs equal; `docker compose down -v` must leave no container,
volume or network, and the session's engine is stopped at the end (see conftest.py).

The images are stand-ins built from the lab's own locks (no registry can be reached here); users
get the official ones. Host ports are picked free, so this runs beside a native stack.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from comparisons.clients.airflow import AirflowClient
from comparisons.clients.prefect import PrefectClient
from comparisons.pairs import discover
from comparisons.settings import LabSettings
from comparisons.stack import compose
from comparisons.stack.services import SERVICES
from tests.compose.docker_engine import ROOT, Engine

pytestmark = pytest.mark.compose
PROJECT = "lab-compose-test"


def _say(line: str) -> None:
    print(f"[compose] {line}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _compose(env: dict[str, str], *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "compose", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"`{' '.join(result.args)}` exited {result.returncode}:\n" + "\n".join(
        (result.stdout + result.stderr).splitlines()[-60:])
    return result.stdout


def test_compose_reads_the_file_as_the_definition_renders_it(compose_plugin: str, engine_env: dict[str, str]) -> None:
    """Compose's own parser agrees with the rendered document (commands, environment, scale-out)."""
    parsed = json.loads(_ok(_compose(engine_env, "config", "--no-interpolate", "--format", "json")))
    expected = compose.compose_document()["services"]
    for svc in SERVICES:
        assert parsed["services"][svc.name]["command"] == expected[svc.name]["command"]
        assert parsed["services"][svc.name]["environment"] == expected[svc.name]["environment"]
    scaled = json.loads(_ok(_compose(engine_env, "-f", "docker-compose.yml", "-f", "docker/scale-out.yml",
                                     "config", "--no-interpolate", "--format", "json")))
    for svc in SERVICES:
        if svc.side == "airflow":  # merged files come back as KEY=VALUE lists
            environment = scaled["services"][svc.name]["environment"]
            assert "AIRFLOW__CORE__EXECUTOR=CeleryExecutor" in environment or (
                isinstance(environment, dict) and environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor")
    assert {"redis", "airflow-worker"} <= set(scaled["services"])


@pytest.fixture(scope="module")
def stack_env(engine: Engine, standin_images: dict[str, str], lab_secrets: dict[str, str],
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The compose environment: stand-in images, free host ports, results in a scratch folder."""
    scratch = tmp_path_factory.mktemp("compose")
    env = dict(engine.env)
    env |= {"COMPOSE_PROJECT_NAME": PROJECT, "LAB_AIRFLOW_IMAGE": standin_images["airflow"],
            "LAB_PREFECT_IMAGE": standin_images["prefect"], "LAB_POSTGRES_IMAGE": standin_images["postgres"],
            "LAB_PYTHON_IMAGE": standin_images["python"],
            "LAB_RESULTS_DIR": str(scratch / "results"), "LAB_REPORTS_DIR": str(scratch / "reports")}
    env |= {variable: str(_free_port()) for variable, _ in compose.PUBLISHED_PORTS.values()}
    return env


def _port(env: dict[str, str], service: str) -> int:
    return int(env[compose.PUBLISHED_PORTS[service][0]])


def _leftovers(engine: Engine) -> dict[str, list[str]]:
    label = f"label=com.docker.compose.project={PROJECT}"
    return {kind: engine.docker(*command, "--filter", label, "-q").split() for kind, command in {
        "containers": ("ps", "-a"), "volumes": ("volume", "ls"), "networks": ("network", "ls")}.items()}


@pytest.mark.timeout(3600)  # a cold run builds the base image and the stand-ins first
def test_docker_compose_up_runs_etl_basic_equal_on_both_and_down_leaves_nothing(
        engine: Engine, stack_env: dict[str, str], lab_secrets: dict[str, str], settings: LabSettings) -> None:
    timings: dict[str, float] = {}
    try:
        started = time.monotonic()
        _ok(_compose(stack_env, "up", "-d", "--build", "--wait", "--wait-timeout", "600"))
        timings["up --wait"] = time.monotonic() - started

        airflow_url = f"http://127.0.0.1:{_port(stack_env, 'airflow-apiserver')}"
        prefect_url = f"http://127.0.0.1:{_port(stack_env, 'prefect-server')}"
        health = httpx.get(f"{airflow_url}/api/v2/monitor/health", timeout=10).json()
        assert health["metadatabase"]["status"] == "healthy" and health["scheduler"]["status"] == "healthy"
        assert httpx.get(f"{prefect_url}/api/health", timeout=10).json() is True
        # The browser on the host is sent to the published port, not the container's 0.0.0.0.
        assert httpx.get(f"{prefect_url}/ui-settings", timeout=10).json()["api_url"] == f"{prefect_url}/api"

        started = time.monotonic()
        _ok(_compose(stack_env, "build", "lab"))
        timings["build lab"] = time.monotonic() - started
        started = time.monotonic()
        output = _ok(_compose(stack_env, "run", "--rm", "lab", "run", "etl_basic"))
        timings["run etl_basic"] = time.monotonic() - started
        assert "EQUAL" in output, output
        (record,) = [json.loads(p.read_text()) for p in Path(stack_env["LAB_RESULTS_DIR"]).glob("*/*.json")]
        assert record["status"] == "equal" and record["pair"] == "etl_basic"
        assert record["outputs"]["airflow"] == record["outputs"]["prefect"] == record["expected"]
        # The tasks' own clock works in the official images too (Airflow's tasks run as uid 50000):
        # extract, transform and load each timed inside the task body, on both sides.
        for side in ("airflow", "prefect"):
            timed = {span["function"] for span in record["runs"][side]["work"]}
            assert {"extract_orders", "transform_orders", "load_orders"} <= timed, (side, timed)

        airflow = AirflowClient(airflow_url, lab_secrets["LAB_ADMIN_USERNAME"], lab_secrets["LAB_ADMIN_PASSWORD"])
        prefect = PrefectClient(f"{prefect_url}/api")
        for pair in discover(settings):  # every pipeline visible on both, from the mounted folders
            airflow.wait_for_dag(pair.name, timeout=120)
            assert prefect.deployment(pair.name)["name"] == pair.name
    finally:
        logs = _compose(stack_env, "logs", "--no-color", "--timestamps")
        (engine.folder / "compose-test.log").write_text(logs.stdout + logs.stderr)
        started = time.monotonic()
        down = _compose(stack_env, "down", "-v", "-t", "1", "--remove-orphans")
        timings["down -v"] = time.monotonic() - started
        _say("; ".join(f"{step} {seconds:.0f} s" for step, seconds in timings.items())
             + f" (service logs: {engine.folder / 'compose-test.log'})")
    _ok(down)
    leftovers = _leftovers(engine)
    assert not any(leftovers.values()), f"`docker compose down -v` left {leftovers}"
