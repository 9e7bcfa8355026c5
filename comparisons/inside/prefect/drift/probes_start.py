"""Lesson §2, installation and getting started: the extras, `prefect version`, the login, config, server."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from comparisons.inside.common.probe import Finding, misbehaves, not_run, runs
from comparisons.inside.prefect.drift.sandbox import help_lists, prefect_cli


def probe_extras(sandbox: Path) -> Finding:
    declared = set(importlib.metadata.metadata("prefect").get_all("Provides-Extra") or [])
    missing = sorted({"aws", "gcp", "dask"} - declared)
    if missing:
        raise LookupError(f"prefect {importlib.metadata.version('prefect')} no longer declares the extras {missing}")
    return not_run("prefect still declares the extras aws, gcp and dask (they install prefect-aws, "
                   "prefect-gcp, prefect-dask); not installed here")


def probe_version(sandbox: Path) -> Finding:
    return runs(" ".join(prefect_cli("version").splitlines()[0].split()))


def probe_cloud_login(sandbox: Path) -> Finding:
    return not_run(help_lists("cloud login", "--key") + "; not run: it needs a Prefect Cloud account")


def probe_config_set(sandbox: Path) -> Finding:
    profiles = sandbox / "profiles.toml"
    before = profiles.read_text() if profiles.exists() else None
    try:
        prefect_cli("config", "set", "PREFECT_API_URL=http://localhost:4200/api")
        written = profiles.read_text() if profiles.exists() else ""
    finally:  # the lab's real server must never become this sandbox's API
        if before is None:
            profiles.unlink(missing_ok=True)
        else:
            profiles.write_text(before)
    if "http://localhost:4200/api" not in written:
        return misbehaves("the command succeeded but the profile does not hold PREFECT_API_URL")
    return runs("the active profile now holds PREFECT_API_URL")


def probe_server_start(sandbox: Path) -> Finding:
    return not_run(help_lists("server start") + "; not run here: the lab's server is `./lab up`")
