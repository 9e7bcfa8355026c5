"""The `failure_hooks` pair's logic: a batch that fails validation, and the alert row a hook writes.

Both pipelines extract the raw orders feed and validate it strictly, which fails (the feed has
dirty rows on purpose), so the load never runs. What is compared is the alert: each side's
pipeline-level failure hook (Airflow `on_failure_callback`, Prefect `on_failure`) writes one row to
`<orchestrator>.failure_hooks` naming the pipeline, its outcome and the task that failed. The
success hooks (Airflow `on_success_callback`, Prefect `on_completion`) write the same kind of row.
"""

from __future__ import annotations

from shared_logic.orders import extract_orders, transform_orders
from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = ["ALERT_COLUMNS", "OUTCOMES", "BatchRejectedError", "expected_failure_hooks", "extract_feed",
           "record_outcome", "validate_strictly"]

ALERT_COLUMNS: tuple[Column, ...] = (
    ("pipeline", "TEXT PRIMARY KEY"),
    ("outcome", "TEXT NOT NULL"),
    ("failed_task", "TEXT"),
)
OUTCOMES = ("success", "failed")
TABLE = "failure_hooks"
_FEED_ROWS, _FEED_SEED = 200, 42


class BatchRejectedError(ValueError):
    """The batch has rows no cleaning may repair; a strict pipeline stops instead of dropping them."""


@measured
def extract_feed() -> list[dict]:
    """Today's raw orders feed, dirt included (see `extract_orders`)."""
    return extract_orders(n_rows=_FEED_ROWS, seed=_FEED_SEED)


@measured
def validate_strictly(rows: list[dict]) -> list[dict]:
    """Return the cleaned rows if every raw row is valid, else raise BatchRejectedError saying how many are not."""
    cleaned = transform_orders(rows)
    rejected = len(rows) - len(cleaned)
    if rejected:
        raise BatchRejectedError(f"{rejected} of {len(rows)} orders are invalid or duplicated; the batch is rejected")
    return cleaned


def _alert_row(pipeline: str, outcome: str, failed_task: str | None) -> dict:
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
    return {"pipeline": pipeline, "outcome": outcome, "failed_task": failed_task}


def record_outcome(pipeline: str, outcome: str, failed_task: str | None, *, orchestrator: str) -> int:
    """Replace `<orchestrator>.failure_hooks` with one row about the run that just ended."""
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, TABLE, ALERT_COLUMNS, [_alert_row(pipeline, outcome, failed_task)])


def expected_failure_hooks() -> Fingerprint:
    """The row a run's hook leaves: the feed fails `validate`, so the failure hook names that task."""
    try:
        validate_strictly(extract_feed())
    except BatchRejectedError:
        return fingerprint_rows(ALERT_COLUMNS, [_alert_row("failure_hooks", "failed", "validate")])
    return fingerprint_rows(ALERT_COLUMNS, [_alert_row("failure_hooks", "success", None)])
