"""Native PostgreSQL: the Debian cluster, with the lab's roles and databases created idempotently."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from comparisons.errors import ServiceStartError, SetupError
from comparisons.stack.services import DATABASES, POSTGRES_MAJOR, POSTGRES_PORT, Placement

__all__ = ["ensure_database", "ensure_databases", "is_ready", "require_binaries", "restart_cluster", "start_cluster",
           "stop_cluster"]

CLUSTER = (str(POSTGRES_MAJOR), "main")
CLUSTER_LOG = Path(f"/var/log/postgresql/postgresql-{POSTGRES_MAJOR}-main.log")
# Found on PATH: Debian's postgresql-common puts these wrappers in /usr/bin for every installed major.
BINARIES = ("pg_isready", "pg_ctlcluster", "psql")


def _not_installed(missing: list[str]) -> SetupError:
    return SetupError(
        f"PostgreSQL is not installed: {', '.join(f'`{b}`' for b in missing)} not found on PATH. Install it with "
        f"`apt-get install -y postgresql-{POSTGRES_MAJOR}` (Debian) and run the command again.")


def _require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise _not_installed([binary])
    return path


def require_binaries() -> None:
    """Fail before anything starts when PostgreSQL is missing, instead of after the environments and homes."""
    missing = [binary for binary in BINARIES if shutil.which(binary) is None]
    if missing:
        raise _not_installed(missing)


def is_ready() -> bool:
    result = subprocess.run(
        [_require("pg_isready"), "-h", "127.0.0.1", "-p", str(POSTGRES_PORT), "-q"], check=False)
    return result.returncode == 0


def start_cluster(marker: Path) -> bool:
    """Start the Debian cluster if it is down; returns True when this call started it.

    ``marker`` records that the lab started it, so `down` stops only what the lab started.
    """
    if is_ready():
        return False
    result = subprocess.run(
        [_require("pg_ctlcluster"), *CLUSTER, "start"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ServiceStartError(
            f"PostgreSQL did not start: {result.stderr.strip() or result.stdout.strip()}\n"
            f"See {CLUSTER_LOG}. Another server on port {POSTGRES_PORT}? Check `ss -ltnp`.")
    _wait_until_ready()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("started by the lab\n")
    return True


def _wait_until_ready(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not is_ready():
        if time.monotonic() > deadline:
            raise ServiceStartError(f"PostgreSQL did not accept connections within {timeout:.0f} s; see {CLUSTER_LOG}.")
        time.sleep(0.1)


def restart_cluster() -> float:
    """Restart the running cluster (fast mode: open connections are cut); returns seconds until ready.

    The fault matrix's `restart-postgres`: both orchestrators lose their metadata database and the
    warehouse at once, as when a managed database fails over.
    """
    started = time.monotonic()
    result = subprocess.run([_require("pg_ctlcluster"), "--mode", "fast", *CLUSTER, "restart"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ServiceStartError(f"PostgreSQL did not restart: {result.stderr.strip() or result.stdout.strip()}; "
                                f"see {CLUSTER_LOG}.")
    _wait_until_ready()
    return time.monotonic() - started


def stop_cluster(marker: Path) -> bool:
    """Stop the cluster only if the lab started it."""
    if not marker.exists():
        return False
    subprocess.run([_require("pg_ctlcluster"), *CLUSTER, "stop"], capture_output=True, check=False)
    marker.unlink()
    return True


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _psql(script: str) -> None:
    """Run a script as the postgres superuser over the local socket."""
    psql = _require("psql")
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else ["sudo", "-n", "-u", "postgres"]
    result = subprocess.run(
        [*runner, psql, "-p", str(POSTGRES_PORT), "-v", "ON_ERROR_STOP=1", "-q", "-X"],
        input=script, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # Keep only psql's ERROR line: its context lines could echo a password back.
        reason = next((line for line in result.stderr.splitlines() if "ERROR" in line), result.stderr.strip())
        raise ServiceStartError(f"setting up the lab's databases failed: {reason}")


def ensure_database(database: str, owner: str) -> None:
    _psql(f"SELECT 'CREATE DATABASE {database} OWNER {owner}' WHERE NOT EXISTS "
          f"(SELECT FROM pg_database WHERE datname = '{database}') \\gexec\n")


def ensure_databases(secrets: Mapping[str, str], placement: Placement) -> None:
    """Create (or update the password of) each role and its database, named for this checkout."""
    script = ""
    for role, database, key in (placement.database(name) for name in DATABASES):
        script += (
            f"SELECT 'CREATE ROLE {role} LOGIN' WHERE NOT EXISTS "
            f"(SELECT FROM pg_roles WHERE rolname = '{role}') \\gexec\n"
            f"ALTER ROLE {role} WITH LOGIN PASSWORD {_quote_literal(secrets[key])};\n"
            f"SELECT 'CREATE DATABASE {database} OWNER {role}' WHERE NOT EXISTS "
            f"(SELECT FROM pg_database WHERE datname = '{database}') \\gexec\n")
    _psql(script)
