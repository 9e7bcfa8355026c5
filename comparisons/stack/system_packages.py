"""The Debian packages each test layer needs, and the one place that installs them.

`./lab test` calls `ensure_for_tests` before pytest starts: as root with apt it installs whatever is
missing (one line says what, the output goes to a log); otherwise it installs nothing, and the test
session skips exactly the layers whose package is missing, each with a one-line reason
(`skip_reason`, used by tests/conftest.py). A missing browser or engine is never an ERROR.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NEEDS", "Need", "ensure_for_tests", "missing", "skip_reason"]


@dataclass(frozen=True)
class Need:
    package: str  # Debian's package name
    provides: str  # a command on PATH, or an absolute path, that shows the package is there
    layers: frozenset[str]  # the pytest markers whose tests cannot run without it
    why: str

    def present(self) -> bool:
        if self.provides.startswith("/"):
            return Path(self.provides).exists()
        return shutil.which(self.provides) is not None


NEEDS: tuple[Need, ...] = (
    Need("postgresql", "pg_ctlcluster", frozenset({"pipeline", "live", "browser"}),
         "the pipelines' warehouse and both orchestrators' databases"),
    Need("iproute2", "ss", frozenset({"live"}), "port checks: every socket of the stack on loopback"),
    Need("redis-server", "redis-server", frozenset({"live"}),
         "the scale-out stack's broker (Airflow's CeleryExecutor)"),
    Need("chromium", "/usr/bin/chromium", frozenset({"browser"}), "the UI tour drives Debian's Chromium"),
    Need("docker.io", "dockerd", frozenset({"compose"}), "the compose test starts its own Docker engine"),
    Need("debootstrap", "debootstrap", frozenset({"compose"}), "the compose test builds its base image"),
)


def missing(needs: Iterable[Need] | None = None) -> list[Need]:
    return [need for need in (NEEDS if needs is None else needs) if not need.present()]


def skip_reason(markers: Iterable[str], needs: Iterable[Need] | None = None) -> str | None:
    """Why a test with these markers cannot run here, or None when everything it needs is present."""
    wanted = set(markers)
    absent = [need for need in missing(needs) if need.layers & wanted]
    if not absent:
        return None
    names = " ".join(need.package for need in absent)
    return (f"needs Debian's {names} ({'; '.join(need.why for need in absent)}): "
            f"`./lab test` installs it when run as root, or `apt-get install -y {names}`")


def _can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure_for_tests(log: Path, say: Callable[[str], None] = print) -> list[Need]:
    """Install the missing packages when root with apt; returns what is still missing afterwards."""
    absent = missing()
    if not absent:
        return []
    names = [need.package for need in absent]
    if not _can_install():
        say(f"lab test: not installing {' '.join(names)} (needs root and apt-get); the tests that need "
            "them are skipped, each with its reason")
        return absent
    say(f"lab test: installing {' '.join(names)} from Debian for the test layers that need them "
        f"(log: {log})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with log.open("a") as out:
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *names]):
            code = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode
            if code != 0:
                say(f"lab test: `{' '.join(argv)}` failed (exit {code}; see {log}); "
                    "the tests that need the missing packages are skipped")
                break
    return missing()
