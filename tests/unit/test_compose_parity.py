"""Native mode and docker compose are one definition: the committed compose files are what
`comparisons.stack.compose` renders from `services.py`, and each service runs the same command with
the same environment in both modes, but for where it runs (hosts, paths) and how secrets are given.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from comparisons.settings import LabSettings
from comparisons.stack import compose
from comparisons.stack.native import native_placement
from comparisons.stack.secrets import DEFAULTS, GENERATED, read_env_file
from comparisons.stack.services import SERVICES, Placement, service_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("relative", sorted(compose.generated_files(ROOT)))
def test_committed_compose_files_are_what_the_definition_renders(relative: str) -> None:
    path = ROOT / relative
    assert path.exists(), f"{relative} is missing: run `./lab compose` and commit what it writes."
    assert path.read_text() == compose.generated_files(ROOT)[relative], (
        f"{relative} differs from comparisons/stack/services.py: run `./lab compose` to regenerate it "
        f"and commit the result (never edit the generated file by hand).")


def test_the_anchors_resolve_to_the_model_every_service_spelled_out() -> None:
    """The file writes each orchestrator's shared settings once (`x-airflow-common`, as the official
    Airflow file does); read back with YAML's merge keys, it is the full model."""
    parsed = yaml.safe_load(compose.render_compose())
    assert {"x-airflow-common", "x-prefect-common"} <= set(parsed)
    assert {k: v for k, v in parsed.items() if not k.startswith("x-")} == compose.compose_document()
    text = compose.render_compose()
    assert text.count("AIRFLOW__CORE__EXECUTION_API_SERVER_URL") == 1, "the Airflow environment is written once"


def _shape(value: str, placement: Placement, secrets: dict[str, str]) -> str:
    """A value with its placement-specific parts and secrets replaced by neutral tokens."""
    for key, secret in secrets.items():
        value = value.replace(secret, f"<{key}>")
    value = re.sub(r"<<secret:(LAB_[A-Z_]+)>>", r"<\1>", value)  # a secret, in compose's secret files
    if placement.database_prefix:  # native mode's per-checkout role and database names
        value = value.replace(placement.database_prefix, "")
    value = re.sub(r"\$\{LAB_[A-Z_]+:-([^}]*)\}", r"\1", value)  # a setting with its default
    fields = [getattr(placement, f) for f in ("root", "airflow_home", "prefect_home", "work_log", "postgres_host",
                                              "airflow_api_host", "prefect_api_host", "alert_host", "bind_host")]
    for text in sorted(set(fields), key=len, reverse=True):
        value = re.sub(rf"(?<![\w.-]){re.escape(text)}(?![\w-])", "<placement>", value)
    return value


def _effective(environment: dict[str, str], files: dict[str, str]) -> dict[str, str]:
    """A compose environment with every secret file read back into the variable it stands for."""
    env = {}
    for key, value in environment.items():
        path = value.removeprefix("cat ").removeprefix(f"{compose.SECRETS_DIR}/")
        if key == "PREFECT_PROFILES_PATH":
            env |= {k: v for k, v in tomllib.loads(files[path])["profiles"]["lab"].items() if k not in environment}
        elif key.endswith(("_CMD", "_FILE")) and path in files:
            env[key.removesuffix("_CMD").removesuffix("_FILE")] = files[path]
        else:
            env[key] = value
    return env


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_each_service_runs_the_native_command_and_environment_modulo_placement(
        svc, settings: LabSettings, lab_secrets: dict[str, str]) -> None:
    service = compose.compose_document()["services"][svc.name]
    native_env = service_environment(svc, native_placement(settings), {**lab_secrets, **DEFAULTS})
    secrets = {key: lab_secrets[key] for key in GENERATED}
    files = compose.secret_templates()
    compose_env = _effective(dict(service["environment"]), files)
    extra = set(compose.COMPOSE_ONLY_ENVIRONMENT.get(svc.name, ())) | set(
        compose.AIRFLOW_COMPOSE_ONLY if svc.side == "airflow" else ())
    if svc.name == "airflow-scheduler":  # in compose, the connection is imported by airflow-init (see below)
        native_conn = native_env.pop("AIRFLOW_CONN_LAB_PARTNER")
        (conn,) = json.loads(files["airflow/connections.json"]).values()
        assert _shape(json.dumps(conn), compose.compose_placement(), {}) == _shape(
            native_conn, native_placement(settings), secrets)
    assert set(compose_env) - {e.removesuffix("_FILE") for e in extra} == set(native_env)
    port_var, port = compose.PUBLISHED_PORTS["prefect-server"]
    for key, native_value in native_env.items():
        compose_value = compose_env[key].replace(f"${{{port_var}:-{port}}}", str(port))
        if key in ("PREFECT_UI_API_URL", "PREFECT_UI_URL"):  # the browser's address, on the host in both modes
            assert compose_value == native_value
            continue
        assert _shape(compose_value, compose.compose_placement(), {}) == _shape(
            native_value, native_placement(settings), secrets), key

    if svc.name == "airflow-init":  # plus the UI login, the connection, and handing folders to the image's user
        native_script = svc.command[2] if svc.command[:2] == ("bash", "-c") else " ".join(svc.command)
        script = service["command"][2]
        assert service["command"][:2] == ["bash", "-c"]
        assert f" && {native_script} && airflow connections import" in script
        assert service["user"] == "0:0", "as in Airflow's official compose file: root, to hand folders over"
    elif svc.side == "lab":  # the harness image's entrypoint is `python -m comparisons`
        assert (*compose._LAB_ENTRYPOINT, *service["command"]) == svc.command
        assert service["image"] == compose.LAB_IMAGE
    else:
        assert service["command"] == list(svc.command)
    assert service["working_dir"] == compose.compose_placement().root


def test_every_long_running_service_is_health_checked_and_gated() -> None:
    services = compose.compose_document()["services"]
    for svc in SERVICES:
        block = services[svc.name]
        if svc.oneshot:
            assert block["restart"] == "no"
            continue
        assert "healthcheck" in block, f"{svc.name} has no health check"
        if svc.health is not None and svc.name not in ("airflow-dag-processor", "airflow-triggerer"):
            assert svc.health.url.split(":", 2)[2].split("/", 1)[1] in " ".join(block["healthcheck"]["test"])
        for dependency in svc.depends_on:
            expected = ("service_completed_successfully" if any(s.name == dependency and s.oneshot for s in SERVICES)
                        else "service_healthy")
            assert block["depends_on"][dependency]["condition"] == expected
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        assert services[name]["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
    assert services["prefect-worker"]["depends_on"]["prefect-deploy"] == {
        "condition": "service_completed_successfully"}
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_every_published_port_binds_127_0_0_1_only() -> None:
    documents = [compose.compose_document(), compose.scale_out_document()]
    published = [port for doc in documents for block in doc["services"].values() for port in block.get("ports", [])]
    assert published, "the UIs and PostgreSQL must be published"
    assert all(port.startswith("127.0.0.1:") for port in published), published


def test_no_secret_value_is_in_any_generated_file_and_none_is_required(lab_secrets: dict[str, str]) -> None:
    texts = compose.generated_files(ROOT)
    for key in GENERATED:
        value = lab_secrets[key]
        assert len(value) >= 16
        leaked = [name for name, text in texts.items() if value in text]
        assert not leaked, f"the value of {key} is written into {leaked}"
    for name, text in texts.items():  # a bare `docker compose up` on a fresh clone needs no .env
        assert ":?" not in text, f"{name} requires a variable"
    document = compose.compose_document()
    for name, block in document["services"].items():
        given = {k for k, v in block.get("environment", {}).items() if re.fullmatch(r"\$\{LAB_[A-Z_]+:-\}", v)}
        assert not given or name == compose.SECRETS_JOB, f"{name} reads a secret from .env directly: {given}"
    assert set(document["services"][compose.SECRETS_JOB]["environment"]) >= set(GENERATED) | set(DEFAULTS)
    assert set(GENERATED) <= set(read_env_file(ROOT / ".env.example")), "each is documented in .env.example"


def test_each_service_reads_only_its_own_folder_of_the_secrets_volume() -> None:
    for name, block in compose.compose_document()["services"].items():
        referenced = set(re.findall(rf"{compose.SECRETS_DIR}/(\w+)/", json.dumps(block)))
        own = {"postgres": {"postgres"}, "lab": {"lab"}, "alert-receiver": {"lab"}}.get(name) or {name.split("-", 1)[0]}
        assert referenced <= own, (name, referenced)
    assert {n.split("/", 1)[0] for n in compose.secret_templates()} == set(compose.SECRET_READERS)


def test_the_harness_in_the_lab_container_reaches_the_services_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in compose.harness_environment().items():
        monkeypatch.setenv(key, value)
    inside = LabSettings.from_environment()
    assert inside.airflow_url == "http://airflow-apiserver:8080"
    assert inside.prefect_url == "http://prefect-server:4200/api"
    assert inside.postgres_host == "postgres"
    for key in compose.harness_environment():
        monkeypatch.delenv(key)
    native = LabSettings.from_environment()
    assert (native.airflow_url, native.prefect_url, native.postgres_host) == (
        "http://127.0.0.1:8080", "http://127.0.0.1:4200/api", "127.0.0.1")


def test_no_database_port_is_published_by_default() -> None:
    """A local PostgreSQL (or the native stack) must not make a bare `docker compose up` fail."""
    document = compose.compose_document()
    assert "ports" not in document["services"]["postgres"]
    assert compose.postgres_port_document()["services"]["postgres"]["ports"] == [
        "127.0.0.1:${LAB_POSTGRES_HOST_PORT:-5432}:5432"]


def test_shell_scripts_are_checked_out_with_lf_endings() -> None:
    attributes = (compose.REPO_ROOT / ".gitattributes").read_text()
    for pattern in ("*.sh", "lab", ".ci/run"):
        assert any(line.split()[:1] == [pattern] and "eol=lf" in line for line in attributes.splitlines())


def test_every_process_that_runs_tasks_shares_the_folders_that_cross_task_processes() -> None:
    """With `--scale`, a mapped task may run on another worker than the task that wrote its files,
    and a cached Prefect result may be read by another worker: those folders are named volumes."""
    import inspect

    from shared_logic.order_files import expected_parallel_files

    assert inspect.signature(expected_parallel_files).parameters["folder"].default == compose.PARALLEL_FILES
    scaled = compose.scale_out_document()["services"]
    runners = {"airflow-scheduler": compose.compose_document()["services"]["airflow-scheduler"],
               "airflow-worker": scaled["airflow-worker"],
               "prefect-worker": compose.compose_document()["services"]["prefect-worker"]}
    for name, block in runners.items():
        assert f"parallel-files:{compose.PARALLEL_FILES}" in block["volumes"], name
    assert "prefect-storage:/opt/prefect/home/storage" in runners["prefect-worker"]["volumes"]


def test_every_file_the_lab_image_copies_is_in_its_build_context() -> None:
    """`.dockerignore` lets through exactly what docker/lab.Dockerfile copies (its context is the checkout)."""
    sources = {line.split()[1] for line in (ROOT / "docker/lab.Dockerfile").read_text().splitlines()
               if line.startswith("COPY ")}
    allowed = {line[1:] for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")}
    assert sources == allowed, f"COPY {sorted(sources)} but .dockerignore lets in {sorted(allowed)}"
    assert all((ROOT / source).is_file() for source in sources)
