"""The fault matrix's quick subset on the real stack, as `./lab fault quick` runs it in CI.

Whatever each orchestrator does with a fault, the lab's promise holds: no scenario leaves a
partial or duplicated load, and every triggered run is accounted for. Each orchestrator's own
reaction is pinned too, so a release that changes it shows up here.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from comparisons.faults.matrix import run_scenario
from comparisons.faults.scenarios import QUICK, SCENARIOS
from comparisons.runner import clients
from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.store.fault import FaultRecord

pytestmark = pytest.mark.live

BURST_RUNS = 10  # CI's burst; `./lab fault burst` triggers 50


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    scratch = tmp_path_factory.mktemp("faults")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")


@pytest.fixture(scope="module")
def matrix(lab: LabSettings) -> dict[tuple[str, str], FaultRecord]:
    sides = clients(lab)
    records = {}
    for name in QUICK:
        for record in run_scenario(lab, sides, SCENARIOS[name], runs=BURST_RUNS, progress=lambda line: None):
            records[(name, record.orchestrator)] = record
    return records


def test_no_scenario_loses_or_duplicates_a_row(matrix: dict[tuple[str, str], FaultRecord]) -> None:
    for key, record in matrix.items():
        assert record.data_intact is not False, (key, record.output, record.expected_output, record.notes)


def test_a_task_killed_mid_load_is_retried_by_airflow_and_crashes_prefects_flow_run(
        matrix: dict[tuple[str, str], FaultRecord]) -> None:
    airflow, prefect = matrix[("kill-task", "airflow")], matrix[("kill-task", "prefect")]
    assert airflow.detected and airflow.recovered and airflow.final_state == "success", airflow
    assert airflow.output == airflow.expected_output, "the retry loaded every row once"
    assert prefect.detected and prefect.final_state == "CRASHED" and not prefect.recovered, prefect
    assert prefect.output is None, "the killed transaction left no table, so no partial rows"


def test_retries_reach_the_same_rows_on_both(matrix: dict[tuple[str, str], FaultRecord]) -> None:
    for side in ("airflow", "prefect"):
        record = matrix[("flaky", side)]
        assert record.detected and record.recovered and record.data_intact, record
    assert matrix[("flaky", "airflow")].output == matrix[("flaky", "prefect")].output


def test_a_hanging_task_is_stopped_by_its_timeout_on_both(matrix: dict[tuple[str, str], FaultRecord]) -> None:
    for side in ("airflow", "prefect"):
        record = matrix[("hang", side)]
        assert record.detected and record.recovered, record  # recovered: ended failed, as it must
        assert record.detect_s is not None and record.detect_s < 15, "a 2 s budget, not the 30 s query"


def test_every_run_of_a_burst_is_accounted_for(matrix: dict[tuple[str, str], FaultRecord]) -> None:
    for side in ("airflow", "prefect"):
        record = matrix[("burst", side)]
        assert len(set(record.run_ids)) == BURST_RUNS and record.recovered and record.data_intact, record


def test_the_stack_is_healthy_after_the_faults(matrix: dict[tuple[str, str], FaultRecord], lab: LabSettings) -> None:
    assert all(row.healthy for row in native.status(lab)), native.status(lab)


def test_an_unknown_scenario_is_refused_before_anything_is_touched(lab: LabSettings) -> None:
    result = subprocess.run([sys.executable, "-m", "comparisons", "fault", "kill-everything"],
                            cwd=lab.root, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "no fault scenario 'kill-everything'" in result.stderr and "kill-task" in result.stderr
    assert "Traceback" not in result.stderr
