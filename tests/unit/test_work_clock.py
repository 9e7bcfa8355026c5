"""The tasks' own clock: a measured call inside an orchestrated run is logged once, for that run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from comparisons.metrics import work
from comparisons.work_log import with_work
from shared_logic.work_clock import measured
from tests.unit.fixtures import run


@measured
def inner(x: int) -> int:
    return x + 1


@measured
def outer(x: int) -> int:
    return inner(x) * 2


def test_a_call_in_an_airflow_task_is_logged_once_for_its_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_WORK_LOG", str(tmp_path))
    monkeypatch.setenv("AIRFLOW_CTX_DAG_RUN_ID", "lab__abc")
    assert outer(1) == 4
    assert with_work(run("airflow", start=0, end=1, tasks=[]), tmp_path).work == ()  # another run: nothing
    record = with_work(replace(run("airflow", start=0, end=1, tasks=[]), run_id="lab__abc"), tmp_path)
    assert [span.function for span in record.work] == ["outer"]  # the nested call counts once
    assert work(record) is not None and work(record) >= 0


def test_outside_an_orchestrated_run_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_WORK_LOG", str(tmp_path))
    for variable in ("AIRFLOW_CTX_DAG_RUN_ID", "PREFECT__FLOW_RUN_ID"):
        monkeypatch.delenv(variable, raising=False)
    assert outer(1) == 4
    assert list(tmp_path.iterdir()) == []


def test_a_failing_call_is_logged_as_failed_and_still_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_WORK_LOG", str(tmp_path))
    monkeypatch.setenv("PREFECT__FLOW_RUN_ID", "5f0c")

    @measured
    def boom() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        boom()
    record = with_work(replace(run("prefect", start=0, end=1, tasks=[]), run_id="5f0c"), tmp_path)
    assert [(span.function, span.failed) for span in record.work] == [("boom", True)]
