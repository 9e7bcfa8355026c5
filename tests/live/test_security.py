"""Security of the running native stack: loopback only, secrets kept out of every file a user shares."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.stack.secrets import GENERATED, read_env_file
from comparisons.stack.services import SERVICES

pytestmark = pytest.mark.live


def _session_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])
    except (OSError, ValueError):
        return None


def test_every_service_listens_on_loopback_only(stack: LabSettings) -> None:
    sessions = {native.running_pid(stack, svc.name) for svc in SERVICES} - {None}
    assert sessions, "the stack is not running"
    listening = subprocess.run(["ss", "-Htlnp"], capture_output=True, text=True, check=True).stdout
    ours = []
    for line in listening.splitlines():
        pids = [int(pid) for pid in re.findall(r"pid=(\d+)", line)]
        if any(_session_of(pid) in sessions for pid in pids):
            ours.append(line.split()[3])
    assert ours, "found no listening socket of the lab's services"
    exposed = [address for address in ours if not address.startswith(("127.0.0.1:", "[::1]:"))]
    assert exposed == [], f"services listening beyond loopback: {exposed}"


def test_env_file_is_private_and_ignored_by_git(stack: LabSettings) -> None:
    mode = stat.S_IMODE(os.stat(stack.env_file).st_mode)
    assert mode == 0o600, oct(mode)
    ignored = subprocess.run(["git", "-C", str(stack.root), "check-ignore", "-q", str(stack.env_file)])
    assert ignored.returncode == 0, ".env must be git-ignored"


def test_no_secret_appears_in_logs_results_or_reports(stack: LabSettings) -> None:
    secrets = {k: v for k, v in read_env_file(stack.env_file).items() if k in GENERATED and len(v) >= 8}
    folders = [stack.logs, stack.results, stack.reports, stack.state / "airflow-home" / "logs",
               stack.state / "prefect-home"]
    leaks = []
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file()) if folder.exists() else ():
            text = path.read_bytes().decode("utf-8", errors="ignore")
            leaks += [f"{key} in {path}" for key, value in secrets.items() if value in text]
    assert leaks == []
