"""What `./lab all` cost, phase by phase: the record behind the README's "a fresh clone takes …".

The `lab` script exports LAB_STARTED_AT before it installs anything, so the total includes uv and
the lab's own environment; `cold` says whether the orchestrators' environments had to be created
(a fresh clone) or were already there, `package_cache` whether uv's download cache was there before
the `lab` script began (a fresh machine has none). One JSON record per run under `results/first-run/`,
published like the others (`./lab publish first-run`).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from comparisons.settings import LabSettings
from comparisons.stack.services import AIRFLOW_VERSION, PREFECT_VERSION
from comparisons.store.first_run import FOLDER, FirstRun, write_first_run
from comparisons.store.provenance import git_commit, host_info

__all__ = ["ENVIRONMENTS", "PAIRS", "PHASES", "REPORT", "STACK_UP", "finish", "sentence", "started_at"]

#: The phases, in the order they run (the record's JSON keeps its keys sorted).
BEFORE_CLI = "before the CLI (uv and the lab's environment)"
ENVIRONMENTS = "Airflow's and Prefect's environments"
STACK_UP = "stack up"
PAIRS = "every pair on both"
REPORT = "report"
PHASES = (BEFORE_CLI, ENVIRONMENTS, STACK_UP, PAIRS, REPORT)


def started_at() -> float:
    """When `./lab` began (epoch seconds), or now when the CLI was started another way."""
    try:
        return float(os.environ["LAB_STARTED_AT"])
    except (KeyError, ValueError):
        return time.time()


def finish(record: FirstRun, settings: LabSettings, began: float) -> Path:
    """Stamp the total and the conditions on `record`, and store it."""
    now = datetime.now(UTC)
    record.phases[BEFORE_CLI] = round(
        max(0.0, began - started_at()), 1) if "LAB_STARTED_AT" in os.environ else 0.0
    record.total_s = round(time.time() - started_at(), 1)
    record.created_at, record.git_commit = now.isoformat(), git_commit(settings.root)
    record.versions, record.host = {"airflow": AIRFLOW_VERSION, "prefect": PREFECT_VERSION}, host_info()
    return write_first_run(settings.results, record)


def sentence(record: FirstRun) -> str:
    """The README's line, from the record alone."""
    host = record.host
    ordered = sorted(record.phases.items(), key=lambda item: PHASES.index(item[0]) if item[0] in PHASES else 99)
    phases = "; ".join(f"{name} {seconds:.0f} s" for name, seconds in ordered if seconds)
    packages = (" (packages from uv's cache)" if record.package_cache
                else " (every package downloaded: uv's cache was empty)")
    return (f"On the lab's reference machine ({host.get('cpus')} CPUs, {host.get('memory_gib')} GiB; "
            f"Airflow {record.versions.get('airflow')}, Prefect {record.versions.get('prefect')}, commit "
            f"{record.git_commit}), `./lab all` on a fresh clone took **{record.total_s / 60:.1f} min**, installs "
            f"included{packages}: {phases}. It ran {record.pairs} pairs × {record.repeat} per side, "
            f"{record.equal} equal (record: `published/{FOLDER}/`).")
