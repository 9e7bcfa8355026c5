"""What the runner needs from an orchestrator, and the HTTP plumbing both clients share."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

import httpx

from comparisons.errors import ServiceDownError
from comparisons.records import RunRecord

__all__ = ["OrchestratorClient", "request_with_retries"]

RETRY_STATUSES = {502, 503, 504}


class OrchestratorClient(Protocol):
    """Trigger a pipeline, wait for it, and describe a run from the server's own records."""

    name: str

    def version(self) -> str: ...

    def parameters(self, pair: str) -> dict[str, Any]:
        """The pipeline's parameters and their defaults, as the server knows them."""
        ...

    def parameter_schema(self, pair: str) -> dict[str, Any]:
        """JSON schema of each parameter, for validation before a trigger."""
        ...

    def trigger(self, pair: str, parameters: Mapping[str, Any]) -> str:
        """Start a run over the REST API and return its run id."""
        ...

    def wait(self, pair: str, run_id: str, *, timeout: float) -> RunRecord:
        """Block until the run is terminal and its task records have settled."""
        ...

    def latest_ui_run(self, pair: str) -> str | None:
        """The id of the newest finished run a person started from the UI, if any."""
        ...

    def describe(self, pair: str, run_id: str) -> RunRecord: ...

    def failure_excerpt(self, record: RunRecord) -> str: ...


def request_with_retries(
    client: httpx.Client, method: str, url: str, *, service: str, start_command: str,
    attempts: int = 6, **kwargs: Any,
) -> httpx.Response:
    """Send a request, retrying busy answers (503, as Prefect's own client does) and refused connections.

    A server that stays unreachable becomes a `ServiceDownError` naming the command that starts it.
    """
    delay = 0.25
    for attempt in range(attempts):
        try:
            response = client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
            if attempt == attempts - 1:
                raise ServiceDownError(
                    f"{service} is not answering at {client.base_url} ({type(exc).__name__}). "
                    f"Start it with `{start_command}` and check `./lab status`.") from exc
        else:
            if response.status_code not in RETRY_STATUSES or attempt == attempts - 1:
                return response
        time.sleep(delay)
        delay = min(delay * 2, 4.0)
    raise AssertionError("unreachable")
