"""The report's "What each UI shows": the stored screenshots, Airflow beside Prefect, nothing when there are none."""

from __future__ import annotations

from pathlib import Path

import pytest

from comparisons.report.build import build_report
from comparisons.report.screenshots_section import screenshots_section
from comparisons.settings import LabSettings
from comparisons.store.comparison import write
from comparisons.ui_tour import SCREENSHOT_VIEWS
from tests.unit.fixtures import comparison

LINK = "../docs/screenshots"  # from the reports folder to the pictures, both under tmp_path
PNG = b"\x89PNG\r\n\x1a\n"  # only the files' presence matters: the report links, never reads them


@pytest.fixture
def lab(tmp_path: Path) -> LabSettings:
    root = Path(__file__).resolve().parents[2]
    return LabSettings(root=root, state=tmp_path / "state", results=tmp_path / "results",
                       reports=tmp_path / "reports", env_file=tmp_path / ".env",
                       screenshots=tmp_path / "docs" / "screenshots")


def test_no_screenshots_no_section(lab: LabSettings) -> None:
    assert screenshots_section(lab.screenshots, lab.reports) == ("", "")
    write(lab.results, comparison())
    html_path, md_path = build_report(lab)
    assert "What each UI shows" not in html_path.read_text() + md_path.read_text()


def test_stored_screenshots_are_linked_side_by_side_relative_to_the_report(lab: LabSettings) -> None:
    folder = lab.screenshots
    folder.mkdir(parents=True)
    names = [name for _, *files in SCREENSHOT_VIEWS for name in files]
    for name in names:
        (folder / name).write_bytes(PNG)
    write(lab.results, comparison())
    html_path, md_path = build_report(lab)
    page, markdown = html_path.read_text(), md_path.read_text()
    assert "<h2>What each UI shows</h2>" in page and "## What each UI shows" in markdown
    assert [src for src in names if f'src="{LINK}/{src}"' in page] == names
    airflow_first = [page.index(f"{LINK}/{a}") < page.index(f"{LINK}/{p}")
                     for _, a, p in SCREENSHOT_VIEWS]
    assert all(airflow_first), "Airflow on the left, Prefect on the right"
    assert str(lab.reports) not in page, "links are relative, so the folder can be moved"


def test_a_missing_picture_says_so_instead_of_a_broken_image(lab: LabSettings) -> None:
    (_, airflow_file, prefect_file), *_ = SCREENSHOT_VIEWS
    folder = lab.screenshots
    folder.mkdir(parents=True)
    (folder / airflow_file).write_bytes(PNG)
    page, markdown = screenshots_section(lab.screenshots, lab.reports)
    assert f"{LINK}/{airflow_file}" in page and prefect_file not in page
    assert "(not captured)" in page and "(not captured)" in markdown
    assert page.count("<img") == 1, "views with no picture at all are left out"
