"""`./lab all` records what it cost; the README's sentence is rendered from that record alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from comparisons.errors import LabError
from comparisons.first_run import BEFORE_CLI, finish, sentence
from comparisons.settings import LabSettings
from comparisons.store.first_run import FOLDER, FirstRun, latest


def _record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, cold: bool, began_ago: float) -> Path:
    import time

    monkeypatch.setenv("LAB_STARTED_AT", str(time.time() - began_ago))
    record = FirstRun(cold=cold, package_cache=True, pairs=16, repeat=1, equal=16,
                      phases={"stack up": 61.0, "every pair on both": 240.0})
    return finish(record, LabSettings(root=tmp_path, results=tmp_path / "results"), began=time.time() - 30)


def test_the_record_counts_from_the_lab_scripts_start_and_reads_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _record(tmp_path, monkeypatch, cold=True, began_ago=420)
    found = latest(tmp_path / "results")
    assert found is not None and found[0] == path
    record = found[1]
    assert 419 < record.total_s < 430
    assert 29 < record.phases[BEFORE_CLI] < 400
    text = sentence(record)
    assert "7.0 min" in text and "16 pairs × 1 per side, 16 equal" in text and "from uv's cache" in text


def test_only_a_cold_run_is_the_first_run_and_a_broken_record_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _record(tmp_path, monkeypatch, cold=False, began_ago=60)
    assert latest(tmp_path / "results") is None, "a run on a checkout that was set up is not a first run"
    broken = tmp_path / "results" / FOLDER / "99999999-000000-all.json"
    broken.write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(LabError, match="99999999-000000-all.json"):
        latest(tmp_path / "results")
