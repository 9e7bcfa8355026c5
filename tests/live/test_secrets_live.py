"""The `secrets_and_config` pair live: the same signed output on both, and the secret nowhere else.

The secret (`LAB_PIPELINE_SECRET` from `.env`) reaches Airflow as a Connection and Prefect as a
Secret block. After a harness run and a report, its value must not appear in the lab's service
logs, the Airflow task logs or XComs, the Prefect run's logs, task inputs or block document, the
results or the reports.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from comparisons.clients.airflow import AirflowClient
from comparisons.pairs import resolve
from comparisons.report.build import build_report
from comparisons.runner import credentials, run_pairs
from comparisons.settings import LabSettings
from comparisons.stack.services import AIRFLOW_PORT, PREFECT_PORT
from comparisons.store.comparison import Comparison

pytestmark = pytest.mark.live
AIRFLOW = f"http://127.0.0.1:{AIRFLOW_PORT}"
PREFECT = f"http://127.0.0.1:{PREFECT_PORT}/api"
PAIR = "secrets_and_config"


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    scratch = tmp_path_factory.mktemp("lab")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")


@pytest.fixture(scope="module")
def comparison(lab: LabSettings) -> Comparison:
    (done,) = run_pairs(lab, resolve(lab, [PAIR]), {})
    build_report(lab)
    return done


def _files(*folders: Path) -> dict[str, str]:
    return {str(path): path.read_text(errors="replace")
            for folder in folders if folder.exists() for path in folder.rglob("*") if path.is_file()}


def _airflow_texts(lab: LabSettings, comparison: Comparison) -> dict[str, str]:
    env = credentials(lab)
    client = AirflowClient(AIRFLOW, env["LAB_ADMIN_USERNAME"], env["LAB_ADMIN_PASSWORD"])
    run = comparison.runs["airflow"]
    base = f"/api/v2/dags/{PAIR}/dagRuns/{run.run_id}/taskInstances"
    texts = {}
    for task in run.tasks:
        log = client._call("GET", f"{base}/{task.name}/logs/{task.tries}", params={"full_content": "true"},
                           headers={"Accept": "application/json"})
        texts[f"airflow task log {task.name}"] = log.text
        texts[f"airflow xcom {task.name}"] = client._call("GET", f"{base}/{task.name}/xcomEntries/return_value").text
    return texts


def _prefect_texts(comparison: Comparison) -> dict[str, str]:
    http = httpx.Client(base_url=PREFECT, timeout=30)
    run_id = comparison.runs["prefect"].run_id
    logs = http.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200})
    return {
        "prefect run logs": logs.text,
        "prefect flow run": http.get(f"/flow_runs/{run_id}").text,
        "prefect task runs": http.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run_id]}}}).text,
        "prefect secret block": http.get("/block_types/slug/secret/block_documents/name/lab-partner").text,
    }


def test_both_sides_sign_with_the_same_secret(comparison: Comparison) -> None:
    assert comparison.status == "equal", comparison.errors
    assert comparison.outputs["airflow"] == comparison.outputs["prefect"] == comparison.expected
    assert comparison.expected["rows"] > 0


def test_the_secret_appears_in_no_log_result_or_report(lab: LabSettings, comparison: Comparison) -> None:
    secret = credentials(lab)["LAB_PIPELINE_SECRET"]
    assert len(secret) >= 16
    texts = _files(lab.logs, lab.results, lab.reports, lab.root / "results", lab.root / "reports")
    texts |= _airflow_texts(lab, comparison) | _prefect_texts(comparison)
    # The search must have looked at the real thing: each run's logs, this run's record and report.
    assert "sign" in texts["airflow task log sign"] and comparison.runs["prefect"].run_id in texts["prefect run logs"]
    assert any(comparison.runs["airflow"].run_id in text for where, text in texts.items() if "results" in where)
    assert '"********"' in texts["prefect secret block"]
    leaks = sorted(where for where, text in texts.items() if secret in text)
    assert not leaks, f"the pipeline secret appears in: {leaks}"
