"""The alert receiver over real HTTP on loopback: it keeps a good alert and says what is wrong with a bad one.

Its store is a list here (the warehouse is tests/live's); what it keeps and what it answers are the
receiver's own.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from comparisons.alert_receiver import Delivery, make_server
from shared_logic.failure_alert import ALERT_CONTENT_COLUMNS, AlertPayloadError, alert_content, expected_failure_alert
from shared_logic.warehouse import fingerprint_rows

GOOD = {"pipeline": "failure_alert", "run_id": "manual__2026-12-04T05:00:00+00:00", "state": "Failed",
        "task": "validate", "url": "http://localhost:8080/dags/failure_alert/runs/x", "message": "task_failure"}


class Receiver:
    def __init__(self) -> None:
        self.kept: list[Delivery] = []
        self.broken = False

    def store(self, delivery: Delivery) -> None:
        if self.broken:
            raise ConnectionError("the warehouse refused the connection")
        self.kept.append(delivery)

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(f"{self.url}{path}", data=body, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = make_server("127.0.0.1", 0, state.store,
                         lambda side: [d for d in reversed(state.kept) if d.orchestrator == side])
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_an_alert_is_kept_with_the_receivers_clock_and_listed_per_orchestrator(receiver: Receiver) -> None:
    status, answer = receiver.call("POST", "/alerts/airflow", json.dumps(GOOD).encode())
    assert status == 200 and answer["stored"] is True
    (delivery,) = receiver.kept
    assert delivery.orchestrator == "airflow" and delivery.payload == GOOD
    assert delivery.received_at.isoformat() == answer["received_at"]
    assert receiver.call("GET", "/alerts/airflow")[1]["deliveries"][0]["payload"] == GOOD
    assert receiver.call("GET", "/alerts/prefect") == (200, {"deliveries": []})
    assert receiver.call("GET", "/health") == (200, {"ok": True})


@pytest.mark.parametrize(("path", "body", "status", "says"), [
    ("/alerts/airflow", b"{not json", 400, "the body is not JSON"),
    ("/alerts/airflow", b"[1, 2]", 400, "must be a JSON object, got list"),
    ("/alerts/prefect", json.dumps({"pipeline": "failure_alert"}).encode(), 400, "lacks state, run_id"),
    ("/alerts/dagster", json.dumps(GOOD).encode(), 404, "alerts go to /alerts/airflow or /alerts/prefect"),
    ("/alerts/airflow", b" " * (64 * 1024 + 1), 413, "at most 65536 bytes"),
])
def test_a_bad_alert_is_refused_with_what_is_wrong_and_nothing_is_kept(
        receiver: Receiver, path: str, body: bytes, status: int, says: str) -> None:
    answer = receiver.call("POST", path, body)
    assert answer[0] == status and says in answer[1]["error"], answer
    assert receiver.kept == []


def test_a_warehouse_that_is_down_is_a_503_the_sender_logs(receiver: Receiver) -> None:
    receiver.broken = True
    status, answer = receiver.call("POST", "/alerts/prefect", json.dumps(GOOD).encode())
    assert status == 503 and "refused the connection" in answer["error"]


def test_the_compared_content_is_the_pipeline_and_its_state_whatever_each_side_calls_it() -> None:
    prefect = {**GOOD, "state": "Failed", "task": None, "run_id": "7c1e"}
    airflow = {**GOOD, "state": "failed"}
    assert alert_content(prefect) == alert_content(airflow) == {"pipeline": "failure_alert", "state": "failed"}
    assert expected_failure_alert() == fingerprint_rows(ALERT_CONTENT_COLUMNS, [alert_content(airflow)])
    with pytest.raises(AlertPayloadError, match="lacks run_id"):
        alert_content({"pipeline": "failure_alert", "state": "failed", "run_id": ""})
