"""Where the pipeline pairs live: `airflow_dags/<name>.py` plus `prefect_flows/<name>.py`."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_DAGS = REPO_ROOT / "airflow_dags"
PREFECT_FLOWS = REPO_ROOT / "prefect_flows"
SIDES = ("airflow", "prefect")
FOLDERS = {"airflow": AIRFLOW_DAGS, "prefect": PREFECT_FLOWS}


def stems(folder: Path) -> set[str]:
    """Pipeline names in a folder (files starting with '_' are helpers, not pipelines)."""
    return {p.stem for p in folder.glob("*.py") if not p.name.startswith("_")}


def discover_pairs() -> list[str]:
    return sorted(stems(AIRFLOW_DAGS) & stems(PREFECT_FLOWS))
