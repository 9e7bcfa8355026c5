"""The REST clients against a mock transport: what each server answer becomes for the user."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from comparisons.clients.airflow import AirflowClient
from comparisons.clients.prefect import PrefectClient
from comparisons.errors import AuthError, LabError, ServiceDownError, UnknownPairError
from comparisons.runner import clients
from comparisons.settings import LabSettings
from comparisons.stack.compose import harness_environment

RUN = {"dag_run_id": "lab__abc", "state": "success", "queued_at": "2026-01-01T00:00:00Z",
       "start_date": "2026-01-01T00:00:01Z", "end_date": "2026-01-01T00:00:04Z", "conf": {"n_rows": 5}}
TASKS = {"task_instances": [
    {"task_id": "load", "state": "success", "start_date": "2026-01-01T00:00:03Z",
     "end_date": "2026-01-01T00:00:03.5Z", "try_number": 1, "map_index": -1},
    {"task_id": "extract", "state": "success", "start_date": "2026-01-01T00:00:01.2Z",
     "end_date": "2026-01-01T00:00:01.5Z", "try_number": 2, "map_index": -1},
]}


def airflow_router(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/auth/token":
        body = json.loads(request.content)
        if body["password"] != "right":
            return httpx.Response(401, json={"detail": "Invalid credentials"})
        return httpx.Response(201, json={"access_token": "t"})
    assert request.headers["Authorization"] == "Bearer t"
    if path == "/api/v2/version":
        return httpx.Response(200, json={"version": "3.3.2"})
    if path.startswith("/api/v2/dags/missing"):
        return httpx.Response(404, json={"detail": "not found"})
    if path == "/api/v2/dags/etl_basic/dagRuns/lab__abc":
        return httpx.Response(200, json=RUN)
    if path == "/api/v2/dags/etl_basic/dagRuns/lab__abc/taskInstances":
        return httpx.Response(200, json=TASKS)
    return httpx.Response(500, text=f"unexpected {request.method} {path}")


def test_airflow_describe_uses_server_timestamps_and_orders_tasks() -> None:
    client = AirflowClient("http://af", "admin", "right", transport=httpx.MockTransport(airflow_router))
    record = client.describe("etl_basic", "lab__abc")
    assert record.state == "success" and record.version == "3.3.2"
    assert [t.name for t in record.tasks] == ["extract", "load"]
    assert record.tasks[0].tries == 2
    assert (record.end - record.created).total_seconds() == 4.0
    assert record.started_from == "harness"


def test_airflow_wrong_password_is_said_plainly() -> None:
    client = AirflowClient("http://af", "admin", "wrong", transport=httpx.MockTransport(airflow_router))
    with pytest.raises(AuthError, match="refused the login of user 'admin'.*LAB_ADMIN_PASSWORD"):
        client.version()


def test_airflow_unknown_dag_names_the_file_to_check() -> None:
    client = AirflowClient("http://af", "admin", "right", transport=httpx.MockTransport(airflow_router))
    with pytest.raises(UnknownPairError, match="airflow_dags/missing.py"):
        client.parameters("missing")


def test_server_down_names_the_start_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("comparisons.clients.base.time.sleep", lambda seconds: None)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = PrefectClient("http://pf/api", transport=httpx.MockTransport(refuse))
    with pytest.raises(ServiceDownError, match=r"Prefect server is not answering.*\./lab up"):
        client.version()


@contextmanager
def resetting_server(resets: int) -> Iterator[str]:
    """A real server on loopback that cuts its first `resets` connections (RST, as an overloaded
    server's do) after reading the request, then answers Prefect's version; at most 10 connections."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        for count in range(10):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                if count < resets:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n'
                                 b'Connection: close\r\n\r\n"3.9.1"')

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api"
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept still waiting
        listener.close()
        thread.join(10)


def test_a_cut_connection_is_retried_and_one_that_stays_cut_names_the_start_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("comparisons.clients.base.time.sleep", lambda seconds: None)
    with resetting_server(resets=2) as url:
        assert PrefectClient(url).version() == "3.9.1"
    with resetting_server(resets=10) as url, pytest.raises(ServiceDownError, match=r"ReadError.*\./lab up"):
        PrefectClient(url).version()


def test_prefect_busy_answers_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("comparisons.clients.base.time.sleep", lambda seconds: None)
    calls = []

    def busy_then_ok(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503) if len(calls) < 3 else httpx.Response(200, json="3.9.1")

    assert PrefectClient("http://pf/api", transport=httpx.MockTransport(busy_then_ok)).version() == "3.9.1"
    assert len(calls) == 3


def test_prefect_unknown_deployment_says_how_to_register_it() -> None:
    client = PrefectClient("http://pf/api", transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    with pytest.raises(UnknownPairError, match="prefect_flows/nope.py.*./lab deploy"):
        client.deployment("nope")


def test_prefect_describe_names_tasks_and_marks_ui_runs() -> None:
    def router(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/admin/version":
            return httpx.Response(200, json="3.9.1")
        if request.url.path == "/api/flow_runs/r1":
            return httpx.Response(200, json={
                "id": "r1", "state_type": "CRASHED", "created": "2026-01-01T00:00:00+00:00",
                "start_time": "2026-01-01T00:00:04+00:00", "end_time": "2026-01-01T00:00:05+00:00",
                "parameters": {}, "tags": []})
        if request.url.path == "/api/task_runs/filter":
            return httpx.Response(200, json=[{
                "name": "extract-15e", "state_type": "COMPLETED", "start_time": "2026-01-01T00:00:04.1+00:00",
                "end_time": "2026-01-01T00:00:04.2+00:00", "run_count": 1}])
        return httpx.Response(500)

    record = PrefectClient("http://pf/api", transport=httpx.MockTransport(router)).describe("etl_basic", "r1")
    assert record.state == "failed" and record.raw_state == "CRASHED"
    assert [t.name for t in record.tasks] == ["extract"]
    assert record.started_from == "ui"


def test_prefect_error_answer_is_reported_with_its_body() -> None:
    client = PrefectClient("http://pf/api", transport=httpx.MockTransport(
        lambda r: httpx.Response(422, json={"detail": "bad"})))
    with pytest.raises(LabError, match="422.*bad"):
        client._json("GET", "/flow_runs/x")


def test_the_served_path_addresses_its_own_deployment_and_knows_when_it_is_polled() -> None:
    asked = []

    def router(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/api/deployments/name/etl_basic/etl_basic-served":
            return httpx.Response(200, json={"id": "d1", "status": "READY"})
        return httpx.Response(404)

    served = PrefectClient("http://pf/api", transport=httpx.MockTransport(router), deployment_suffix="-served")
    assert served.is_polled("etl_basic") and served.deployment("etl_basic")["id"] == "d1"
    assert not served.is_polled("caching")
    with pytest.raises(UnknownPairError, match="prefect.serve.*prefect-serve.log"):
        served.deployment("caching")
    assert set(asked) == {"/api/deployments/name/etl_basic/etl_basic-served",
                          "/api/deployments/name/caching/caching-served"}


def test_in_compose_a_server_that_is_down_names_the_compose_command(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The compose harness starts nothing itself (no depends_on): its error says what does."""
    monkeypatch.setattr("comparisons.clients.base.time.sleep", lambda seconds: None)
    for key, value in harness_environment().items():
        monkeypatch.setenv(key, value)
    env_file = tmp_path / "lab.env"
    env_file.write_text("LAB_ADMIN_USERNAME=admin\nLAB_ADMIN_PASSWORD=secret\n")
    monkeypatch.setenv("LAB_ENV_FILE", str(env_file))
    with socket.socket() as unused:  # a loopback port nothing listens on
        unused.bind(("127.0.0.1", 0))
        monkeypatch.setenv("LAB_PREFECT_URL", f"http://127.0.0.1:{unused.getsockname()[1]}/api")
        _, prefect = clients(LabSettings.from_environment())
        with pytest.raises(ServiceDownError, match=r"Prefect server is not answering.*`docker compose up -d --wait`"):
            prefect.version()
