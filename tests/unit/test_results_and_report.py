"""The results store and the report built from it, with no server anywhere."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from comparisons.report.build import build_report
from comparisons.settings import LabSettings
from comparisons.store.comparison import Comparison, load_comparisons, write
from tests.unit.fixtures import comparison


@pytest.fixture
def lab(tmp_path: Path) -> LabSettings:
    root = Path(__file__).resolve().parents[2]
    return LabSettings(root=root, state=tmp_path / "state", results=tmp_path / "results",
                       reports=tmp_path / "reports", env_file=tmp_path / ".env")


def test_a_comparison_round_trips_through_its_json_file(lab: LabSettings) -> None:
    original = comparison()
    path = write(lab.results, original)
    (loaded_path, loaded), = load_comparisons(lab.results)[0]
    assert loaded_path == path
    assert loaded.to_json() == original.to_json()
    assert not list(lab.results.rglob("*.tmp"))


def test_a_result_is_never_overwritten(lab: LabSettings) -> None:
    record = comparison()
    write(lab.results, record)
    with pytest.raises(FileExistsError):
        write(lab.results, record)


def test_unreadable_files_are_reported_not_dropped(lab: LabSettings) -> None:
    write(lab.results, comparison())
    broken = lab.results / "2026-01-01" / "half-written.json"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text('{"schema_version": 1, "pair"')
    loaded, unreadable = load_comparisons(lab.results)
    assert len(loaded) == 1
    assert unreadable[0][0] == broken


def test_report_shows_equal_runs_timings_failures_and_code(lab: LabSettings) -> None:
    for offset in (0.0, 10.0, 20.0):
        write(lab.results, comparison(offset=offset))
    write(lab.results, comparison(status="failed", offset=30.0))
    html_path, md_path = build_report(lab)
    page, markdown = html_path.read_text(), md_path.read_text()
    assert "| etl_basic | 3/4 | 4.00 s [4.00–4.00] (n=3) |" in markdown
    assert "task load failed" in markdown and "task load failed" in page
    pair_section = page.split("<section id=\"etl_basic\"", 1)[1].split("</section>", 1)[0]
    assert pair_section.count("<svg") == 2, "the pair's latency plot and its breakdown"
    assert "airflow_dags/etl_basic.py" in page and "prefect_flows/etl_basic.py" in page
    assert "test cpu, 2 cores" in page


def test_report_with_no_results_says_what_to_run(lab: LabSettings) -> None:
    html_path, _ = build_report(lab)
    assert "./lab run" in html_path.read_text()


def test_record_files_are_plain_json_with_a_schema_version(lab: LabSettings) -> None:
    data = json.loads(write(lab.results, comparison()).read_text())
    assert data["schema_version"] == 1
    assert set(data["runs"]) == {"airflow", "prefect"}
    assert Comparison.from_json(data).status == "equal"


def _chain(offset: float, to_start: dict[str, float]) -> Comparison:
    """An event_driven comparison: the consumer runs judged, the handover kept in the labels."""
    plain = comparison(offset=offset)
    handover = {side: {"upstream": run.to_json(), "downstream": "event_driven_consumer", "event": "e",
                       "event_to_start_s": to_start[side], "event_to_done_s": to_start[side] + 3.0}
                for side, run in plain.runs.items()}
    return dataclasses.replace(plain, pair="event_driven", labels={"handover": handover})


def test_report_shows_event_to_consumer_figures_of_runs_started_by_their_landing(lab: LabSettings) -> None:
    for offset in (0.0, 10.0):
        write(lab.results, _chain(offset, {"airflow": 0.5 + offset / 10, "prefect": 5.0}))
    write(lab.results, comparison())  # a pair without a handover adds no row
    write(lab.results, dataclasses.replace(_chain(40.0, {"airflow": 99.0, "prefect": 99.0}), status="failed"))
    html_path, md_path = build_report(lab)
    section = md_path.read_text().split("## Runs started by their data landing", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[1:] == ["| event_driven | 1.00 s [0.50–1.50] (n=2) | 5.00 s [5.00–5.00] (n=2) "
                        "| 4.00 s [3.50–4.50] (n=2) | 8.00 s [8.00–8.00] (n=2) |"]
    pair_section = html_path.read_text().split('<section id="event_driven"', 1)[1].split("</section>", 1)[0]
    assert "event → consumer started" in pair_section
    etl_section = html_path.read_text().split('<section id="etl_basic"', 1)[1].split("</section>", 1)[0]
    assert "event → consumer" not in etl_section


def _alerted(offset: float, seconds: dict[str, float]) -> Comparison:
    """A failure_alert comparison: both runs failed as expected, each side's alert kept in the labels."""
    plain = comparison(offset=offset)
    alert = {side: {"failure_to_alert_s": seconds[side], "link_opens_run": True,
                    "payload": {"pipeline": "failure_alert", "state": "failed", "run_id": run.run_id,
                                "url": f"http://ui/{run.run_id}", "task": "validate" if side == "airflow" else None,
                                "message": "m"}}
             for side, run in plain.runs.items()}
    return dataclasses.replace(plain, pair="failure_alert", labels={"alert": alert})


def test_report_shows_when_each_sides_alert_arrived_and_what_it_names(lab: LabSettings) -> None:
    for offset in (0.0, 10.0):
        write(lab.results, _alerted(offset, {"airflow": 2.0 + offset / 10, "prefect": 1.0}))
    write(lab.results, comparison())  # a pair that alerts no one adds no row
    html_path, md_path = build_report(lab)
    section = md_path.read_text().split("## Failed runs that tell someone", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[1:] == ["| failure_alert | 2.50 s [2.00–3.00] (n=2) | 1.00 s [1.00–1.00] (n=2) "
                        "| run_id, url, task, message | run_id, url, message (no task) |"]
    pair_section = html_path.read_text().split('<section id="failure_alert"', 1)[1].split("</section>", 1)[0]
    assert "run failed → alert received" in pair_section
    assert "alert received" not in html_path.read_text().split('<section id="etl_basic"', 1)[1].split("</section>")[0]
