"""The figures in the README and docs/ are what the committed records in published/ render, never typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from comparisons.report.docs import FIRST_RUN_MARKS, README_MARKS, render
from comparisons.settings import LabSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", sorted(render(LabSettings(root=ROOT))), ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_figures_are_what_published_records_render(path: Path) -> None:
    expected = render(LabSettings(root=ROOT))[path]
    assert path.read_text() == expected, (
        f"{path.relative_to(ROOT)} differs from what the records in published/ render: run `./lab docs` "
        f"(after `./lab publish …` if the records changed) and commit the result.")


@pytest.mark.parametrize("marks", [README_MARKS, FIRST_RUN_MARKS], ids=["headline", "first run"])
def test_the_readme_has_the_generated_block(marks: tuple[str, str]) -> None:
    text = (ROOT / "README.md").read_text()
    assert all(text.count(mark) == 1 for mark in marks), (
        f"README.md must hold the generated block once, between the markers ./lab docs fills: {marks}")


def test_every_published_record_is_readable() -> None:
    from comparisons import store

    published = ROOT / "published"
    assert all(store.KINDS[kind](published).records for kind in store.KINDS), "every kind is published"
    assert store.unreadable(published) == [], "unreadable records in published/"
