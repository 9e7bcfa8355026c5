"""The lab's alert receiver: the someone a failed run notifies (pair `failure_alert`).

A stack service (`alert-receiver`, started by `./lab up` and by compose) on port ALERT_PORT: the
webhook both orchestrators call, Airflow from its notifier, Prefect from its automation. It keeps
every POST to `/alerts/<orchestrator>` with its own clock in the warehouse, in
`<orchestrator>.failure_alert_deliveries`, and replaces `<orchestrator>.failure_alert` with the
alert's content, the pair's output the harness compares. `GET /alerts/<orchestrator>` lists the
latest deliveries, so a user can see what a UI-started run sent. Standard library and psycopg2 only.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shared_logic.failure_alert import (
    ALERT_CONTENT_COLUMNS,
    DELIVERIES_TABLE,
    TABLE,
    AlertPayloadError,
    alert_content,
)
from shared_logic.warehouse import ORCHESTRATORS, load_rows, warehouse_dsn

__all__ = ["BIND_VAR", "Delivery", "latest_deliveries", "make_server", "serve", "store_alert"]

BIND_VAR = "LAB_ALERT_BIND"
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Delivery:
    """One alert as it reached the receiver."""

    orchestrator: str
    received_at: datetime
    payload: dict[str, Any]


def store_alert(dsn: str, delivery: Delivery) -> None:
    """Keep the delivery, then make its content the pair's output (`<orchestrator>.failure_alert`)."""
    import psycopg2
    from psycopg2 import sql

    content = alert_content(delivery.payload)
    schema = sql.Identifier(delivery.orchestrator)
    table = sql.Identifier(delivery.orchestrator, DELIVERIES_TABLE)
    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} "
                                "(received_at TIMESTAMPTZ NOT NULL, payload JSONB NOT NULL)").format(table))
            cur.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(table),
                        (delivery.received_at, json.dumps(delivery.payload)))
    finally:
        conn.close()
    load_rows(dsn, delivery.orchestrator, TABLE, ALERT_CONTENT_COLUMNS, [content])


def latest_deliveries(dsn: str, orchestrator: str, *, since: datetime | None = None,
                      limit: int = 20) -> list[Delivery]:
    """The newest deliveries to `/alerts/<orchestrator>` (received after `since`), newest first."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (f"{orchestrator}.{DELIVERIES_TABLE}",))
            if cur.fetchone()[0] is None:
                return []
            cur.execute(sql.SQL("SELECT received_at, payload FROM {} WHERE received_at > %s "
                                "ORDER BY received_at DESC LIMIT %s").format(
                sql.Identifier(orchestrator, DELIVERIES_TABLE)),
                (since or datetime.fromtimestamp(0, UTC), limit))
            return [Delivery(orchestrator, received_at, payload) for received_at, payload in cur.fetchall()]
    finally:
        conn.close()


Store = Callable[[Delivery], None]
Lister = Callable[[str], list[Delivery]]


def _handler(store: Store, lister: Lister) -> type[BaseHTTPRequestHandler]:
    class AlertHandler(BaseHTTPRequestHandler):
        server_version = "lab-alert-receiver"

        def _answer(self, status: HTTPStatus, body: Mapping[str, Any]) -> None:
            data = json.dumps(body, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _orchestrator(self) -> str | None:
            prefix, _, name = self.path.partition("?")[0].rstrip("/").rpartition("/")
            if prefix == "/alerts" and name in ORCHESTRATORS:
                return name
            self._answer(HTTPStatus.NOT_FOUND, {"error": f"no endpoint {self.path}: alerts go to "
                                                         + " or ".join(f"/alerts/{o}" for o in ORCHESTRATORS)})
            return None

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/health":
                self._answer(HTTPStatus.OK, {"ok": True})
            elif orchestrator := self._orchestrator():
                deliveries = lister(orchestrator)
                self._answer(HTTPStatus.OK, {"deliveries": [
                    {"received_at": d.received_at.isoformat(), "payload": d.payload} for d in deliveries]})

        def do_POST(self) -> None:  # noqa: N802
            received_at = datetime.now(UTC)  # first: the figure is failure -> arrival
            orchestrator = self._orchestrator()
            if orchestrator is None:
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.rfile.read(min(length, 16 * MAX_BODY_BYTES))  # read, so the sender gets the answer
                self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                             {"error": f"an alert is at most {MAX_BODY_BYTES} bytes, this one is {length}"})
                return
            body = self.rfile.read(length)
            try:
                payload = json.loads(body)
                alert_content(payload)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                self._answer(HTTPStatus.BAD_REQUEST, {"error": f"the body is not JSON: {error}",
                                                      "body": body[:200].decode(errors="replace")})
                return
            except AlertPayloadError as error:
                self._answer(HTTPStatus.BAD_REQUEST, {"error": str(error)})
                return
            try:
                store(Delivery(orchestrator, received_at, payload))
            except Exception as error:  # the warehouse is down or refuses: say so, the sender logs it
                self.log_message("could not store an alert from %s: %s", orchestrator, error)
                self._answer(HTTPStatus.SERVICE_UNAVAILABLE, {"error": f"the alert was not stored: {error}"})
                return
            self.log_message("alert from %s: %s", orchestrator, json.dumps(payload))
            self._answer(HTTPStatus.OK, {"stored": True, "received_at": received_at.isoformat()})

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
            print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {format % args}", flush=True)

    return AlertHandler


def make_server(host: str, port: int, store: Store, lister: Lister) -> ThreadingHTTPServer:
    """The receiver on `host:port`, storing with `store` (the warehouse, or a test's list)."""
    return ThreadingHTTPServer((host, port), _handler(store, lister))


def serve(host: str | None = None, port: int | None = None) -> int:
    """Run the receiver until stopped, on the warehouse the lab gives it (LAB_WAREHOUSE_DSN)."""
    from comparisons.stack.services import ALERT_PORT

    dsn = warehouse_dsn()
    server = make_server(host or os.environ.get(BIND_VAR, "127.0.0.1"), port or ALERT_PORT,
                         lambda delivery: store_alert(dsn, delivery),
                         lambda orchestrator: latest_deliveries(dsn, orchestrator))
    print(f"alert receiver listening on http://{server.server_address[0]}:{server.server_address[1]}/alerts/"
          f"<{'|'.join(ORCHESTRATORS)}>", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
