"""What `./lab` says when the machine or the command line is wrong: one message with the fix, no traceback.

Each case runs `python -m comparisons <command>` in the lab's environment, as `./lab` does, with the
state, results, reports and `.env` moved to a temporary folder, and fails before it reaches any
service: nothing here starts, stops or asks a server anything.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from comparisons.settings import REPO_ROOT, LabSettings
from comparisons.stack.services import POSTGRES_MAJOR


def lab(*args: str, scratch: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`./lab ARGS` past the wrapper, with the lab's folders moved under `scratch`; `env` overrides the rest."""
    python = LabSettings.from_environment().venv_bin("lab", "python")
    if not python.exists():
        pytest.fail(f"{python} is missing: run `./lab setup` first.")
    base = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")}
    moved = {"LAB_STATE_DIR": str(scratch / "state"), "LAB_RESULTS_DIR": str(scratch / "results"),
             "LAB_REPORTS_DIR": str(scratch / "reports"), "LAB_ENV_FILE": str(scratch / ".env")}
    return subprocess.run([str(python), "-m", "comparisons", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, env=base | moved | env, timeout=60, check=False)


def assert_one_clear_error(result: subprocess.CompletedProcess[str], exit_code: int, *said: str) -> None:
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("error: ") == 1, result.stderr
    for words in said:
        assert words in result.stderr, result.stderr


def test_up_without_postgresql_says_how_to_install_it_before_starting_anything(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    # No PATH entry holds PostgreSQL's programs (nor uv: were the check to move after the environment
    # sync, `up` would stop there instead, still before any service, and this test would fail).
    result = lab("up", scratch=tmp_path, PATH=str(empty))
    assert_one_clear_error(result, 3, "PostgreSQL is not installed", "`pg_ctlcluster`",
                           f"apt-get install -y postgresql-{POSTGRES_MAJOR}")
    assert "Environments" not in result.stdout, "the check comes before the environments are synced"
    assert not (tmp_path / ".env").exists(), "nothing was prepared for a start"


@pytest.mark.parametrize("command", ["setup", "up"])
def test_a_state_folder_that_cannot_be_written_is_named_with_the_fix(tmp_path: Path, command: str) -> None:
    # A path under a regular file: not even root can create it (chmod would not stop root).
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = lab(command, scratch=tmp_path, LAB_STATE_DIR=str(blocker / "state"))
    assert_one_clear_error(result, 3, f"state folder {blocker / 'state'} is not writable", "LAB_STATE_DIR")
    assert result.stdout == "", "the command stopped before doing anything"


def test_an_unknown_pair_lists_the_known_ones(tmp_path: Path) -> None:
    result = lab("run", "no_such_pair", scratch=tmp_path)
    assert_one_clear_error(result, 2, "unknown pair 'no_such_pair'", "Known pairs: ", "etl_basic")


def test_a_param_without_a_value_shows_the_expected_form(tmp_path: Path) -> None:
    result = lab("run", "etl_basic", "--param", "n_rows", scratch=tmp_path)
    assert_one_clear_error(result, 2, "--param expects KEY=VALUE, got 'n_rows'", "--param n_rows=200")


def test_report_is_built_from_stored_files_alone_and_opens_no_connection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`./lab report` with both servers "up" on the default URLs still never connects: `collect` does."""
    import socket

    from comparisons import cli

    for variable, folder in (("LAB_STATE_DIR", "state"), ("LAB_RESULTS_DIR", "results"),
                             ("LAB_REPORTS_DIR", "reports"), ("LAB_ENV_FILE", ".env")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"report opened a connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert cli.main(["report"]) == 0
    assert attempts == []
    assert (tmp_path / "reports" / "report.html").exists()
