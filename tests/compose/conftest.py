"""Fixtures of the compose test: a Docker engine of our own, Compose v2, the stand-in images.

Where no engine can be started (not root, no dockerd), every test that needs one is skipped with
the reason; nothing is skipped silently.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator

import pytest

from comparisons.settings import LabSettings
from tests.compose import docker_engine
from tests.compose.docker_engine import Engine, EngineUnavailable


def _say(line: str) -> None:
    print(f"[compose] {line}", file=sys.stderr, flush=True)


@pytest.fixture(scope="session")
def docker_folder(settings: LabSettings) -> docker_engine.Path:
    return docker_engine.docker_dir(settings.state)


@pytest.fixture(scope="session")
def compose_plugin(docker_folder: docker_engine.Path) -> str:
    """Compose v2 (pinned in requirements/compose-test.lock.txt) as a plugin of our DOCKER_CONFIG."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: run the tests through `./lab test`, which installs it")
    return docker_engine.install_compose_plugin(docker_folder, uv)


@pytest.fixture(scope="session")
def engine(docker_folder: docker_engine.Path, compose_plugin: str) -> Iterator[Engine]:
    """dockerd for this session, stopped by its pid at the end: no daemon is left running."""
    started = time.monotonic()
    try:
        running = docker_engine.start_engine(docker_folder)
    except EngineUnavailable as reason:
        pytest.skip(f"no Docker engine here: {reason}")
    _say(f"dockerd up in {time.monotonic() - started:.1f} s (pid {running.pid}, {docker_folder})")
    yield running
    docker_engine.stop(running)
    assert docker_engine.engine_pid(docker_folder) is None, f"dockerd (pid {running.pid}) is still running"
    assert not running.answers(), "something still answers on the engine's socket"


@pytest.fixture(scope="session")
def standin_images(engine: Engine) -> dict[str, str]:
    """The base image and the stand-ins, built once per lock change and cached in the engine's data."""
    started = time.monotonic()
    docker_engine.ensure_base_image(engine)
    _say(f"base image ready in {time.monotonic() - started:.1f} s")
    tags = {}
    for name in docker_engine.STANDIN_IMAGES:
        started = time.monotonic()
        tags[name], built = docker_engine.ensure_standin(engine, name)
        _say(f"stand-in {tags[name]} {'built' if built else 'cached'} in {time.monotonic() - started:.1f} s")
    return tags


@pytest.fixture(scope="session")
def engine_env(docker_folder: docker_engine.Path, compose_plugin: str) -> dict[str, str]:
    """The docker CLI's environment for commands that need no engine (`docker compose config`)."""
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI: `apt-get install -y docker.io` (as .ci/run does)")
    return docker_engine.cli_environment(docker_folder)
