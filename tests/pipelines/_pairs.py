"""Where the pipeline pairs live, as the harness sees them (one discovery, `comparisons.pairs`)."""

from __future__ import annotations

from comparisons.pairs import discover
from comparisons.settings import REPO_ROOT, LabSettings

AIRFLOW_DAGS = REPO_ROOT / "airflow_dags"
PREFECT_FLOWS = REPO_ROOT / "prefect_flows"
SIDES = ("airflow", "prefect")
FOLDERS = {"airflow": AIRFLOW_DAGS, "prefect": PREFECT_FLOWS}


def discover_pairs() -> list[str]:
    return [pair.name for pair in discover(LabSettings.from_environment())]
