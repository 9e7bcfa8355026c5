"""The fault matrix's logic with no server: scenarios, what counts as detected, intact data, the report table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from comparisons.errors import UnknownScenarioError
from comparisons.faults.matrix import _data_intact, _failure_signal
from comparisons.faults.scenarios import QUICK, SCENARIOS, resolve
from comparisons.publish import publish_faults, published
from comparisons.report.build import build_report
from comparisons.report.faults_section import faults_section
from comparisons.settings import LabSettings
from comparisons.store.fault import FaultRecord, load_faults, write_fault
from comparisons.store.files import write_json_once
from comparisons.store.runs import TaskRecord
from tests.unit.fixtures import at, run

ISSUE_SCENARIOS = {"kill-task", "kill-worker", "restart-api", "restart-postgres", "flaky", "hang", "burst",
                   "kill-one-worker", "stop-redis"}


@pytest.fixture
def lab(tmp_path: Path) -> LabSettings:
    root = Path(__file__).resolve().parents[2]
    return LabSettings(root=root, state=tmp_path / "state", results=tmp_path / "results",
                       reports=tmp_path / "reports", env_file=tmp_path / ".env")


def test_every_scenario_of_the_issue_exists_and_breaks_a_pair_of_the_lab(lab: LabSettings) -> None:
    from comparisons.pairs import discover

    assert set(SCENARIOS) == ISSUE_SCENARIOS
    pairs = {p.name for p in discover(lab)}
    assert {s.pair for s in SCENARIOS.values()} <= pairs
    assert set(QUICK) <= ISSUE_SCENARIOS
    assert all(SCENARIOS[name].scale_out == 0 for name in QUICK), "CI's subset needs no change of shape"


def test_the_scale_out_faults_run_on_two_workers_a_side_after_the_default_stack_s() -> None:
    assert SCENARIOS["kill-one-worker"].scale_out == SCENARIOS["stop-redis"].scale_out == 2
    assert SCENARIOS["stop-redis"].sides == ("airflow",), "Redis is Airflow's broker only"
    assert SCENARIOS["kill-one-worker"].sides == ("airflow", "prefect")
    shapes = [s.scale_out for s in resolve(["stop-redis", "kill-task", "all"])]
    assert shapes == sorted(shapes), "each shape once: the default stack's scenarios, then the scaled-out ones"


def test_all_and_quick_expand_and_an_unknown_scenario_lists_the_known_ones() -> None:
    assert [s.name for s in resolve(["all"])] == list(SCENARIOS)
    assert [s.name for s in resolve(["quick", "hang"])] == list(QUICK)
    with pytest.raises(UnknownScenarioError, match="kill-task, kill-worker") as raised:
        resolve(["kill-everything"])
    assert raised.value.exit_code == 2


def _with_tasks(*tasks: TaskRecord, state: str = "running"):
    record = run("airflow", start=0, end=1, tasks=[])
    return dataclasses.replace(record, tasks=tasks, state=state, raw_state=state)  # type: ignore[arg-type]


def test_a_failed_try_a_retry_or_a_crashed_run_counts_as_detected() -> None:
    running = TaskRecord("load", "running", at(1), None)
    assert _failure_signal(_with_tasks(running), {"load": 1}) is None
    assert _failure_signal(_with_tasks(dataclasses.replace(running, state="up_for_retry")), {}) == \
        "task load up_for_retry"
    assert _failure_signal(_with_tasks(dataclasses.replace(running, tries=2)), {"load": 1}) == "task load try 2"
    assert _failure_signal(_with_tasks(dataclasses.replace(running, state="scheduled")), {}) == \
        "task load awaiting retry"
    assert _failure_signal(_with_tasks(running, state="CRASHED"), {}) == "run CRASHED"


def test_data_is_intact_when_the_rows_are_exactly_expected_or_a_failed_run_left_none() -> None:
    rows = {"rows": 3, "sha256": "abc"}
    assert _data_intact(rows, rows, succeeded=True) is True
    assert _data_intact(rows, None, succeeded=False) is True, "a crash mid-load leaves no table: nothing partial"
    assert _data_intact(rows, None, succeeded=True) is False, "a success must leave its rows"
    assert _data_intact(rows, {"rows": 6, "sha256": "def"}, succeeded=True) is False, "duplicated rows"
    assert _data_intact(None, None, succeeded=False) is None, "a pair with no table has nothing to check"


def _record(**changes: object) -> FaultRecord:
    base = FaultRecord(
        scenario="kill-task", orchestrator="prefect", pair="slow_load", parameters={"seconds": 20},
        injection="SIGKILL to 1 task process(es) under prefect-worker: 4242", run_ids=["r1"], detected=True,
        detect_s=1.5, final_state="CRASHED", expected_state="success", recovered=False, data_intact=True,
        output=None, expected_output={"rows": 3, "sha256": "abc"}, logs=["/x/prefect-worker.log"],
        notes=["the flow-run process died"])
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_verdicts_separate_recovery_safe_failure_stuck_runs_and_lost_data() -> None:
    assert _record().verdict == "failed safe"
    assert _record(recovered=True, final_state="COMPLETED").verdict == "recovered"
    assert _record(recovered=True, final_state="FAILED", expected_state="failed").verdict == "stopped as designed"
    assert _record(final_state="stuck (RUNNING)").verdict == "stuck"
    assert _record(data_intact=False).verdict == "DATA WRONG"


def test_the_report_shows_the_newest_record_of_each_scenario_and_side(lab: LabSettings) -> None:
    old = _record(created_at="2026-01-01T00:00:00+00:00", final_state="FAILED")
    new = _record(created_at="2026-01-02T00:00:00+00:00", record_id="new1")
    for record in (old, new, _record(orchestrator="airflow", recovered=True, final_state="success",
                                     record_id="af1")):
        write_json_once(lab.results / "faults" / f"{record.record_id}-{record.scenario}-{record.record_id}.json",
                        record.to_json())
    (lab.results / "faults" / "cut-short.json").write_text('{"scenario": ')
    records, broken = load_faults(lab.results)
    assert len(records) == 3 and [path.name for path, _ in broken] == ["cut-short.json"]
    html_path, md_path = build_report(lab)
    assert "## Fault matrix, your machine" in md_path.read_text()
    markdown = "## Fault matrix" + md_path.read_text().split("## Fault matrix, your machine")[1].split("\n## ")[0]
    assert "cut-short.json" in md_path.read_text().split("## Unreadable records, left out")[1]
    assert "| kill-task | airflow | recovered |" in markdown
    assert "| kill-task | prefect | failed safe | yes | 1.5 s | CRASHED |" in markdown
    assert "FAILED" not in markdown.split("## Fault matrix")[1].split("\n\n")[2], "only the newest record"
    assert "prefect-worker.log" in html_path.read_text()


def test_publishing_one_profile_s_matrix_keeps_the_others_and_the_report_shows_each(tmp_path: Path) -> None:
    lab = LabSettings(root=tmp_path, state=tmp_path / "state", results=tmp_path / "results",
                      reports=tmp_path / "reports", env_file=tmp_path / ".env")
    write_fault(lab.results, _record(profile="tuned", record_id="tuned1", created_at="2026-01-01T00:00:00+00:00"))
    publish_faults(lab, progress=lambda _: None)
    write_fault(lab.results, _record(profile="robust", record_id="robust1", created_at="2026-01-02T00:00:00+00:00",
                                     detect_s=61.5))
    write_fault(lab.results, _record(profile="robust", record_id="robust2", created_at="2026-01-03T00:00:00+00:00",
                                     detect_s=62.0))
    publish_faults(lab, progress=lambda _: None)
    kept = {r.record_id for _, r in load_faults(published(lab).results).records}
    assert kept == {"tuned1", "robust2"}, "the newest of each profile, scenario and side"
    write_fault(lab.results, _record(profile="tuned", scenario="stop-redis", orchestrator="airflow", scale_out=2,
                                     record_id="redis1", created_at="2026-01-04T00:00:00+00:00"))
    (lab.results / "faults" / next(p.name for p in (lab.results / "faults").glob("*tuned1*.json"))).unlink()
    publish_faults(lab, progress=lambda _: None)  # a scenario published alone keeps the rest of its profile
    kept = {r.record_id for _, r in load_faults(published(lab).results).records}
    assert kept == {"tuned1", "robust2", "redis1"}
    _, markdown = faults_section(published(lab), "the lab's reference")
    assert markdown.index("### tuned profile") < markdown.index("### robust profile")
    assert "| kill-task | prefect | failed safe | yes | 62.0 s |" in markdown.split("### robust profile")[1]
