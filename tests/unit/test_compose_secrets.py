"""The compose file's lab-secrets job: a bare `up` generates every secret, `.env` may set any, nothing drifts."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from comparisons.errors import SetupError
from comparisons.stack import compose
from comparisons.stack.compose_secrets import main, resolve_values, write_volume
from comparisons.stack.secrets import DEFAULTS, GENERATED, check_values, read_env_file


def test_a_fresh_volume_generates_every_secret_and_a_second_run_keeps_them() -> None:
    values, generated = resolve_values({}, {})
    assert set(generated) == set(GENERATED) and values["LAB_ADMIN_USERNAME"] == DEFAULTS["LAB_ADMIN_USERNAME"]
    again, generated = resolve_values(values, {})
    assert again == values and generated == []


def test_a_value_set_in_env_is_used_and_a_later_different_one_refused_with_the_fix() -> None:
    values, generated = resolve_values({}, {"LAB_ADMIN_PASSWORD": "chosen-by-me-1234"})
    assert values["LAB_ADMIN_PASSWORD"] == "chosen-by-me-1234" and "LAB_ADMIN_PASSWORD" not in generated
    with pytest.raises(SetupError, match=r"LAB_ADMIN_PASSWORD in .env differs.*docker compose down -v"):
        resolve_values(values, {"LAB_ADMIN_PASSWORD": "another-one-5678"})
    assert resolve_values(values, {"LAB_ADMIN_PASSWORD": "chosen-by-me-1234"})[0] == values  # an old .env


@pytest.mark.parametrize(("key", "value"), [("LAB_AIRFLOW_DB_PASSWORD", "p@ss:word/1"),
                                            ("LAB_ADMIN_PASSWORD", 'say "hi"'), ("LAB_ADMIN_USERNAME", "a:b")])
def test_a_value_that_would_break_a_url_or_json_is_refused_by_name(key: str, value: str) -> None:
    with pytest.raises(SetupError, match=rf"^{key} holds .*leave it blank to have one generated"):
        check_values({key: value})
    with pytest.raises(SetupError, match=key):
        resolve_values({}, {key: value})


@pytest.mark.skipif(os.geteuid() != 0, reason="the job hands each folder to its reader's uid: needs root")
def test_each_reader_gets_its_own_folder_owned_by_the_user_its_image_runs_as(tmp_path: Path) -> None:
    values, _ = resolve_values({}, {})
    count = write_volume(tmp_path, values, airflow_uid=50000, checkout_owner=(1000, 1000))
    assert count == len(compose.secret_templates())
    owners = {"postgres": (999, 999), "airflow": (50000, 0), "prefect": (0, 0), "lab": (1000, 1000)}
    for name in compose.secret_templates():
        info = (tmp_path / name).stat()
        assert (info.st_uid, info.st_gid) == owners[name.split("/")[0]], name
        assert not info.st_mode & stat.S_IRWXO, f"{name} is readable by others"
    role, key = "airflow", "LAB_AIRFLOW_DB_PASSWORD"
    assert (tmp_path / "airflow/AIRFLOW__DATABASE__SQL_ALCHEMY_CONN").read_text() == (
        f"postgresql+psycopg2://{role}:{values[key]}@postgres:5432/airflow")
    assert json.loads((tmp_path / "airflow/connections.json").read_text()) == {
        "lab_partner": {"conn_type": "generic", "password": values["LAB_PIPELINE_SECRET"]}}
    profile = tomllib.loads((tmp_path / "prefect/profiles.toml").read_text())
    assert profile["active"] == "lab"
    assert values["LAB_PREFECT_DB_PASSWORD"] in profile["profiles"]["lab"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert read_env_file(tmp_path / "lab/lab.env") == {k: values[k] for k in compose.HARNESS_SECRETS}


@pytest.mark.skipif(os.geteuid() != 0, reason="the job hands each folder to its reader's uid: needs root")
def test_the_job_prints_no_secret_and_explains_a_refusal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for key in [*GENERATED, *DEFAULTS]:
        monkeypatch.delenv(key, raising=False)
    assert main([str(tmp_path)]) == 0
    printed = capsys.readouterr()
    stored = read_env_file(tmp_path / "values.env")
    assert not any(value in printed.out + printed.err for key, value in stored.items() if key in GENERATED)
    assert "docker compose run --rm lab credentials" in printed.out
    monkeypatch.setenv("LAB_WAREHOUSE_DB_PASSWORD", "not-the-stored-one")
    assert main([str(tmp_path)]) == 2
    assert "LAB_WAREHOUSE_DB_PASSWORD in .env differs" in capsys.readouterr().err
    assert read_env_file(tmp_path / "values.env") == stored, "a refused run changes nothing"
