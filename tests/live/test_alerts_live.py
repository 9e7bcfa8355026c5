"""failure_alert on the real servers: the alert a failed run sends, and what happens when no one is listening.

The catalogue test (test_catalogue_live.py) checks the alert of a harness run; here the receiver is
stopped first, as a webhook that is down would be. Neither side retries an alert: the run still
fails as it should, the harness names who sends the alert and where to read why none came, and the
receiver, started again, takes the next one.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.request

import pytest

from comparisons.runner import clients, follow_alert
from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.stack.services import ALERT_PORT

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    scratch = tmp_path_factory.mktemp("alerts")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")


def test_an_alert_sent_while_the_receiver_is_down_is_named_with_its_sender_and_logs(lab: LabSettings) -> None:
    native.stop_service(lab, "alert-receiver")
    try:
        for client in clients(lab):
            run = client.wait("failure_alert", client.trigger("failure_alert", {}), timeout=300)
            assert run.state == "failed", run
            label, error = follow_alert(lab, client.name, run, timeout=5)  # none can come: the receiver is down
            assert label is None and error is not None
            assert f"no alert about run {run.run_id} reached the alert receiver within 5 s" in error
            log = {"airflow": "airflow-dag-processor.log", "prefect": "prefect-server.log"}[client.name]
            assert log in error and "alert-receiver.log" in error, error
    finally:
        native.start_service(lab, "alert-receiver")
    with urllib.request.urlopen(f"http://127.0.0.1:{ALERT_PORT}/alerts/airflow", timeout=5) as answer:
        assert "deliveries" in json.load(answer), "the receiver is back and lists what it kept"
