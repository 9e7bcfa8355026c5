"""The `retries_backoff` pair's logic: an unreliable source that fails on a seeded share of attempts.

The lesson's flaky task failed on `random.random() < 0.7`: a different story on every run, so two
orchestrators could never be compared on it. Here an attempt fails when a hash of (seed, attempt
number) falls below the failure rate: the same attempts fail in every process, on every machine,
under either orchestrator. The attempt number comes from the orchestrator (Airflow's
`ti.try_number`, Prefect's `task_run.run_count`), so the attempt the load records is the one the
orchestrator really reached: both sides loading the same attempt proves they retried alike.
"""

from __future__ import annotations

import hashlib

from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = [
    "FLAKY_COLUMNS",
    "FLAKY_ROWS",
    "SourceUnavailableError",
    "attempt_fails",
    "expected_retries_backoff",
    "fetch_flaky",
    "first_successful_attempt",
    "load_flaky",
]

FLAKY_TABLE = "retries_backoff"
FLAKY_ROWS = 20  # records the source returns once it answers
FLAKY_COLUMNS: tuple[Column, ...] = (
    ("record_id", "TEXT PRIMARY KEY"),
    ("value", "INTEGER NOT NULL"),
    ("attempt", "INTEGER NOT NULL"),  # the attempt that got the data: 3 means two failures before
)
_ATTEMPT_LIMIT = 1000  # far beyond any retry budget; only reached with failure rates next to 1


class SourceUnavailableError(RuntimeError):
    """A transient failure of the source: the kind of error retries exist for."""


def _check_rate(failure_rate: float) -> float:
    if isinstance(failure_rate, bool) or not 0 <= failure_rate < 1:
        raise ValueError(
            f"failure_rate must be at least 0 and below 1, got {failure_rate!r}: "
            "a source that always fails never answers; try 0.7, the lesson's example")
    return float(failure_rate)


def attempt_fails(seed: int, attempt: int, failure_rate: float) -> bool:
    """Whether attempt number `attempt` (1 = first try) fails; the same answer in every process."""
    if attempt < 1:
        raise ValueError(
            f"attempt must be >= 1 (the orchestrator's try number), got {attempt}: "
            "pass ti.try_number on Airflow or prefect.runtime.task_run.run_count on Prefect, "
            "from inside the task")
    digest = hashlib.sha256(f"{seed}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < _check_rate(failure_rate)


def first_successful_attempt(seed: int, failure_rate: float) -> int:
    """The attempt on which the source first answers, for this seed and failure rate."""
    for attempt in range(1, _ATTEMPT_LIMIT + 1):
        if not attempt_fails(seed, attempt, failure_rate):
            return attempt
    raise ValueError(f"seed {seed} fails {_ATTEMPT_LIMIT} attempts at failure_rate {failure_rate}: lower the rate")


def _records(seed: int, attempt: int) -> list[dict]:
    """The data itself: deterministic per seed, so only the attempt column can tell runs apart."""
    return [
        {
            "record_id": f"REC-{seed}-{i:03d}",
            "value": int.from_bytes(hashlib.sha256(f"{seed}/{i}".encode()).digest()[:3], "big") % 10_000,
            "attempt": attempt,
        }
        for i in range(1, FLAKY_ROWS + 1)
    ]


@measured
def fetch_flaky(seed: int, failure_rate: float, attempt: int) -> list[dict]:
    """Fetch from the unreliable source on attempt `attempt`; raises SourceUnavailableError if it fails."""
    if attempt_fails(seed, attempt, failure_rate):
        raise SourceUnavailableError(
            f"source unavailable on attempt {attempt} (seed {seed}, failure rate {failure_rate:.0%}); "
            "the orchestrator will retry after its backoff delay")
    return _records(seed, attempt)


@measured
def load_flaky(rows: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.retries_backoff` with `rows`; returns the row count."""
    return load_rows(warehouse_dsn(), check_orchestrator(orchestrator), FLAKY_TABLE, FLAKY_COLUMNS, rows)


def expected_retries_backoff(seed: int = 3, failure_rate: float = 0.7) -> Fingerprint:
    """What a successful run leaves: the records, fetched on the first attempt that does not fail.

    If that attempt lies beyond the pipelines' retry budget both runs fail, and the harness
    reports them failed before it compares any table.
    """
    return fingerprint_rows(FLAKY_COLUMNS, _records(seed, first_successful_attempt(seed, failure_rate)))
