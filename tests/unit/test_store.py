"""The one record store: every kind reads back what it wrote, and what it cannot read is listed, never dropped."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from comparisons import store
from comparisons.report.build import build_report
from comparisons.settings import LabSettings
from comparisons.store.bench import BenchRecord, write_bench
from comparisons.store.comparison import write
from comparisons.store.drift import DriftRun, write_drift
from comparisons.store.fault import FaultRecord, write_fault
from comparisons.store.first_run import FirstRun, write_first_run
from tests.unit.fixtures import comparison


@pytest.fixture
def lab(tmp_path: Path) -> LabSettings:
    return LabSettings(root=Path(__file__).resolve().parents[2], state=tmp_path / "state",
                       results=tmp_path / "results", reports=tmp_path / "reports", env_file=tmp_path / ".env")


def _one_of_each(results: Path) -> dict[str, object]:
    """One record of every kind, written through the store; returns them by kind."""
    records = {
        "comparison": comparison(),
        "bench": BenchRecord("summary", "s1", "summary-1", {"steps": 3}),
        "fault": FaultRecord(
            scenario="kill-task", orchestrator="airflow", pair="slow_load", parameters={}, injection="SIGKILL",
            run_ids=["r1"], detected=True, detect_s=1.0, final_state="success", expected_state="success",
            recovered=True, data_intact=True, output=None, expected_output=None),
        "drift": DriftRun(records=[{
            "id": "airflow.schedule_interval", "construct": "schedule_interval", "lesson_section": "6.1",
            "orchestrator": "airflow", "version": "3.3.2", "outcome": "fails", "detail": "TypeError",
            "replacement": "schedule=", "pair": "scheduled_daily"}], seconds={"wall": 1.0}),
        "first-run": FirstRun(cold=True, package_cache=False, pairs=16, repeat=1, equal=16, total_s=360.0,
                              created_at="2026-12-03T19:11:05+00:00"),
    }
    write(results, records["comparison"])
    write_bench(results, records["bench"])
    write_fault(results, records["fault"])
    write_drift(results, records["drift"])
    write_first_run(results, records["first-run"])
    return records


def test_every_kind_reads_back_exactly_what_it_wrote(lab: LabSettings) -> None:
    written = _one_of_each(lab.results)
    assert set(written) == set(store.KINDS)
    for kind, load in store.KINDS.items():
        loaded = load(lab.results)
        assert [record for _, record in loaded.records] == [written[kind]], kind
        assert loaded.unreadable == []


def test_a_file_no_reader_can_read_is_listed_in_the_report_with_its_kind(lab: LabSettings) -> None:
    written = _one_of_each(lab.results)
    results = lab.results
    broken = {
        "comparison": results / "2026-01-01" / "000000-etl_basic-half.json",
        "bench": results / "bench" / "s1" / "memory-chain-10.json",
        "fault": results / "faults" / "20260101-000000-kill-task-prefect-x.json",
        "drift": results / "drift" / "00000000-000000-old.json",
        "first-run": results / "first-run" / "00000000-000000-all.json",
    }
    broken["comparison"].parent.mkdir(parents=True)
    broken["comparison"].write_text('{"schema_version": 1, "pair"')  # cut short mid-write
    broken["bench"].write_text(json.dumps({**written["bench"].to_json(), "schema_version": 99}))
    broken["fault"].write_text(json.dumps({"schema_version": 1, "scenario": "kill-task"}))
    broken["drift"].write_text(json.dumps({**written["drift"].to_json(), "records": [{"id": "x"}]}))
    broken["first-run"].write_text("[]")
    found = {kind: path for kind, path, _ in store.unreadable(results)}
    assert found == broken
    # Every other record is still read: one bad file costs only itself.
    assert all(len(load(results).records) == 1 for load in store.KINDS.values())
    _, md_path = build_report(lab)
    section = md_path.read_text().split("## Unreadable records, left out", 1)[1]
    for kind, path in broken.items():
        assert f"your machine, {kind}: `{path}`" in section


def test_a_record_of_another_schema_version_is_refused_by_name() -> None:
    data = dataclasses.replace(comparison()).to_json() | {"schema_version": 2}
    with pytest.raises(ValueError, match="schema_version 2 \\(expected 1\\)"):
        type(comparison()).from_json(data)
