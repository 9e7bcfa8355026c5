"""The retries_backoff pair's flaky source: seeded failures, the same in every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared_logic.flaky_source import (
    FLAKY_COLUMNS,
    FLAKY_ROWS,
    SourceUnavailableError,
    attempt_fails,
    expected_retries_backoff,
    fetch_flaky,
    first_successful_attempt,
)
from shared_logic.warehouse import fingerprint_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEED, DEFAULT_RATE = 3, 0.7  # the pipelines' defaults
RETRY_BUDGET = 1 + 5  # the first try plus the pipelines' `retries=5`


def test_the_same_attempts_fail_in_another_process() -> None:
    """Python's hash() differs per process (PYTHONHASHSEED); the failures must not."""
    here = [attempt_fails(seed, attempt, 0.7) for seed in range(20) for attempt in range(1, 7)]
    code = ("import json; from shared_logic.flaky_source import attempt_fails; print(json.dumps("
            "[attempt_fails(s, a, 0.7) for s in range(20) for a in range(1, 7)]))")
    other = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert json.loads(other.stdout) == here


def test_the_failure_rate_is_the_share_of_failed_attempts() -> None:
    outcomes = [attempt_fails(seed, attempt, 0.7) for seed in range(1000) for attempt in range(1, 11)]
    assert sum(outcomes) / len(outcomes) == pytest.approx(0.7, abs=0.02)
    assert not any(attempt_fails(seed, 1, 0.0) for seed in range(100))


def test_the_default_run_needs_retries_and_succeeds_within_the_budget() -> None:
    assert 1 < first_successful_attempt(DEFAULT_SEED, DEFAULT_RATE) <= RETRY_BUDGET


def test_a_failing_attempt_raises_and_a_later_one_returns_rows_naming_it() -> None:
    success = first_successful_attempt(DEFAULT_SEED, DEFAULT_RATE)
    for attempt in range(1, success):
        with pytest.raises(SourceUnavailableError, match=f"attempt {attempt}.*retry"):
            fetch_flaky(DEFAULT_SEED, DEFAULT_RATE, attempt)
    rows = fetch_flaky(DEFAULT_SEED, DEFAULT_RATE, success)
    assert len(rows) == FLAKY_ROWS and {row["attempt"] for row in rows} == {success}
    assert json.loads(json.dumps(rows)) == rows  # travels through XCom / task results unchanged


def test_expected_output_is_the_data_of_the_first_successful_attempt() -> None:
    for seed in (DEFAULT_SEED, 13):
        rows = fetch_flaky(seed, DEFAULT_RATE, first_successful_attempt(seed, DEFAULT_RATE))
        assert expected_retries_backoff(seed, DEFAULT_RATE) == fingerprint_rows(FLAKY_COLUMNS, rows)
    assert expected_retries_backoff(3, 0.7) != expected_retries_backoff(13, 0.7)


def test_an_attempt_number_outside_a_task_says_where_to_get_it() -> None:
    with pytest.raises(ValueError, match="try_number.*run_count"):
        fetch_flaky(DEFAULT_SEED, DEFAULT_RATE, 0)  # what prefect.runtime gives outside a task run


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1])
def test_a_failure_rate_that_can_never_succeed_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="failure_rate must be at least 0 and below 1"):
        fetch_flaky(DEFAULT_SEED, rate, 1)
