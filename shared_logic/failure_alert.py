"""The `failure_alert` pair's logic: what a failed run's alert must say, as the on-call person reads it.

The pipeline is `failure_hooks`'s (a batch that fails strict validation, so the load never runs);
what differs is who is told and how. Each orchestrator calls a webhook the production way (Airflow:
a notifier as the DAG's `on_failure_callback`; Prefect: an automation on the flow run entering
Failed) and the lab's alert receiver (`comparisons/alert_receiver.py`) keeps what arrives. An alert
is a JSON object; the fields both sides fill are `pipeline` and `state`, the content compared here.
Which run it is about (`run_id`), a link to it (`url`) and the task that failed (`task`) are
checked and shown per side by the harness: each side names them its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared_logic.alerts import BatchRejectedError, extract_feed, validate_strictly
from shared_logic.warehouse import Column, Fingerprint, fingerprint_rows

__all__ = ["ALERT_CONTENT_COLUMNS", "ALERT_FIELDS", "AlertPayloadError", "DELIVERIES_TABLE", "TABLE",
           "alert_content", "expected_failure_alert"]

TABLE = "failure_alert"
#: Every alert as it arrived, with the receiver's clock, beside the compared content (`TABLE`).
DELIVERIES_TABLE = "failure_alert_deliveries"
ALERT_CONTENT_COLUMNS: tuple[Column, ...] = (
    ("pipeline", "TEXT PRIMARY KEY"),
    ("state", "TEXT NOT NULL"),
)
#: What an alert may carry: field -> what it is. `pipeline`, `state` and `run_id` are required.
ALERT_FIELDS: Mapping[str, str] = {
    "pipeline": "the pipeline's name (DAG id, flow name)",
    "state": "the run's final state, as its server names it",
    "run_id": "the run's id on its server",
    "url": "a link to the run in its orchestrator's UI",
    "task": "the task that failed, where the sender knows it",
    "message": "why, in the sender's words",
}
REQUIRED_FIELDS = ("pipeline", "state", "run_id")


class AlertPayloadError(ValueError):
    """An alert that is not a JSON object with the required fields; the message says which."""


def alert_content(payload: Any) -> dict[str, str]:
    """The compared content of one alert: its pipeline and its state, lower-cased (`Failed`, `failed`)."""
    if not isinstance(payload, dict):
        raise AlertPayloadError(f"an alert must be a JSON object, got {type(payload).__name__}")
    missing = [name for name in REQUIRED_FIELDS if not isinstance(payload.get(name), str) or not payload[name]]
    if missing:
        raise AlertPayloadError(
            f"the alert lacks {', '.join(missing)} (a non-empty string each); it has {sorted(payload) or 'nothing'}. "
            f"An alert carries {', '.join(ALERT_FIELDS)}")
    return {"pipeline": payload["pipeline"], "state": payload["state"].lower()}


def expected_failure_alert() -> Fingerprint:
    """The alert a run raises: the feed fails `validate`, so its run fails and the alert says so."""
    try:
        validate_strictly(extract_feed())
    except BatchRejectedError:
        return fingerprint_rows(ALERT_CONTENT_COLUMNS, [{"pipeline": TABLE, "state": "failed"}])
    return fingerprint_rows(ALERT_CONTENT_COLUMNS, [])  # a run that succeeds alerts no one
