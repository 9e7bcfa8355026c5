"""The drift table is rendered from stored records alone, and a bad record is refused with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from comparisons.drift.table import drift_section, render_html, render_markdown
from comparisons.report.build import build_report
from comparisons.settings import LabSettings
from comparisons.store.drift import DriftRun, latest, validate, write_drift


def record(**overrides: Any) -> dict[str, Any]:
    """A record as the Prefect probes print it for the lesson's zero-argument cache_key_fn."""
    return {
        "id": "prefect.zero_arg_cache_key_fn", "lesson_section": "3.2", "orchestrator": "prefect",
        "version": "3.8.8", "construct": 'cache_key_fn=lambda: "static_key"',
        "outcome": "silently misbehaves",
        "detail": "the task runs again on every call (second call Completed, not Cached); Prefect logs "
                  "TypeError: <lambda>() takes 0 positional arguments but 2 were given",
        "replacement": 'cache_key_fn=lambda context, parameters: "static_key"', "pair": "caching",
    } | overrides


def drift_run() -> DriftRun:
    return DriftRun(
        records=[
            record(),
            record(id="airflow.schedule_interval", lesson_section="6.1", orchestrator="airflow", version="3.3.2",
                   construct="DAG(..., schedule_interval='@daily')", outcome="fails",
                   detail="TypeError: DAG.__init__() got an unexpected keyword argument 'schedule_interval'",
                   replacement="schedule='@daily'", pair="scheduled_daily"),
            record(id="prefect.none_default_parameter", lesson_section="5.1", construct="date: str = None",
                   outcome="fails", detail="ParameterTypeError: - date: Input should be a valid string",
                   replacement="date: str | None = None", pair="parameters"),
            record(id="prefect.extras", lesson_section="2.1", construct='pip install "prefect[aws]"',
                   outcome="accepted, not run", detail="prefect still declares the extra aws",
                   replacement="unchanged", pair=None),
        ],
        seconds={"prefect": 40.0, "airflow": 14.0, "total": 40.0, "cpu": 45.0},
        created_at="2026-11-27T12:00:00+00:00")


@pytest.fixture
def lab(tmp_path: Path) -> LabSettings:
    root = Path(__file__).resolve().parents[2]
    return LabSettings(root=root, state=tmp_path / "state", results=tmp_path / "results",
                       reports=tmp_path / "reports", env_file=tmp_path / ".env")


def test_the_markdown_table_has_one_row_per_construct_in_the_lessons_order() -> None:
    lines = render_markdown(drift_run()).splitlines()
    assert lines[0].startswith("| § | construct | on | outcome |")
    assert [line.split(" | ")[0] for line in lines[2:]] == ["| 2.1", "| 3.2", "| 5.1", "| 6.1"]
    assert ("| 3.2 | `cache_key_fn=lambda: \"static_key\"` | Prefect 3.8.8 | **silently misbehaves** | "
            "the task runs again on every call") in lines[3]
    assert "| 6.1 | `DAG(..., schedule_interval='@daily')` | Airflow 3.3.2 | **fails** | TypeError: " in lines[5]
    assert lines[2].endswith("| accepted, not run | prefect still declares the extra aws | unchanged | — |")


def test_a_pipe_in_a_cell_does_not_split_the_markdown_row() -> None:
    row = next(line for line in render_markdown(drift_run()).splitlines() if line.startswith("| 5.1"))
    assert "date: str \\| None = None" in row
    assert row.count(" | ") == 6


def test_the_html_fragment_escapes_and_marks_failures() -> None:
    page = render_html(drift_run())
    assert page.startswith("<table>") and page.count("<tr>") == 5
    assert "schedule_interval=&#x27;@daily&#x27;" in page
    assert page.count('<span class="failed">') == 3


@pytest.mark.parametrize(("change", "complaint"), [
    ({"outcome": "works"}, "outcome 'works' is not one of"),
    ({"pair": "no_such_pair"}, "pair 'no_such_pair' is not a lab pair"),
    ({"lesson_section": "seven"}, "lesson_section 'seven'"),
    ({"orchestrator": "dagster"}, "orchestrator 'dagster'"),
    ({"detail": ""}, "detail must be a non-empty string"),
    ({"extra": 1}, "missing or unexpected"),
])
def test_a_bad_record_is_refused_with_what_is_wrong(change: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match="prefect.zero_arg_cache_key_fn") as error:
        validate(record(**change))
    assert complaint in str(error.value)


def test_a_run_is_stored_atomically_once_and_read_back(lab: LabSettings) -> None:
    path = write_drift(lab.results, drift_run())
    assert path.parent == lab.results / "drift"
    assert path.name == "2026-11-27-120000-airflow-3.3.2-prefect-3.8.8.json"
    assert not list(path.parent.glob("*.tmp"))
    with pytest.raises(FileExistsError):
        write_drift(lab.results, drift_run())
    found = latest(lab.results)
    assert found is not None and found[0] == path
    assert found[1].to_json() == drift_run().to_json()


def test_the_newest_run_is_the_one_shown(lab: LabSettings) -> None:
    write_drift(lab.results, drift_run())
    newer = DriftRun(records=[record(outcome="runs", detail="cached")], seconds={},
                     created_at="2026-11-28T08:00:00+00:00")
    write_drift(lab.results, newer)
    _, markdown = drift_section(lab.results)
    assert "2026-11-28T08:00:00+00:00" in markdown and "1 construct — runs: 1" in markdown


def test_without_a_record_the_section_says_what_to_run(lab: LabSettings) -> None:
    page, markdown = drift_section(lab.results)
    assert "run <code>./lab drift</code>" in page
    assert "run `./lab drift`" in markdown


def test_an_unreadable_record_is_named_in_the_section_not_fatal(lab: LabSettings) -> None:
    broken = lab.results / "drift" / "2026-11-29-000000-half.json"
    broken.parent.mkdir(parents=True)
    broken.write_text(json.dumps({"schema_version": 1, "records": [record(outcome="works")]}))
    _, markdown = drift_section(lab.results)
    assert str(broken) in markdown and "./lab drift" in markdown


def test_the_report_carries_the_drift_table(lab: LabSettings) -> None:
    write_drift(lab.results, drift_run())
    html_path, md_path = build_report(lab)
    assert "## The lesson's drift" in md_path.read_text()
    assert "| 6.1 | `DAG(..., schedule_interval='@daily')` | Airflow 3.3.2 | **fails** |" in md_path.read_text()
    assert "The lesson's drift, your machine</h2>" in html_path.read_text()
    assert "Unreadable result files" not in html_path.read_text()  # drift/ is not a folder of comparisons
