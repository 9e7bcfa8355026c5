"""What the runner needs from an orchestrator, and the HTTP plumbing both clients share."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import httpx

from comparisons.errors import LabError, ServiceDownError
from comparisons.store.runs import RunRecord

__all__ = ["POLL_INTERVAL_S", "Handover", "OrchestratorClient", "poll_until_found", "poll_until_terminal",
           "request_with_retries"]

RETRY_STATUSES = {502, 503, 504}
#: Connections refused, cut (reset by peer) or left unanswered: tried again, like the statuses above.
RETRY_ERRORS = (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout)
#: How often the harness asks for a run's state: one small request; it costs well under 1 % of a core.
POLL_INTERVAL_S = 1.0
T = TypeVar("T")


@dataclass(frozen=True)
class Handover:
    """How a run of a pair started its downstream pipeline's run: the event its data's landing made.

    `event_at` is the server's record of the landing: Airflow's asset event `timestamp` (set by the
    api-server when the producing task reported success), Prefect's event `occurred` (set by the
    emitting task, just after its commit; `received` is when the server took it in).
    """

    downstream: str
    run_id: str
    """The downstream run the event started."""
    event_id: str
    event: str
    """What the event was about: the Asset on Airflow, the event's name and resource on Prefect."""
    event_at: datetime
    received_at: datetime | None = None


class OrchestratorClient(Protocol):
    """Trigger a pipeline, wait for it, and describe a run from the server's own records."""

    name: str

    def version(self) -> str: ...

    def parameters(self, pair: str) -> dict[str, Any]:
        """The pipeline's parameters and their defaults, as the server knows them."""
        ...

    def parameter_schema(self, pair: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """JSON schema of each parameter, for validation before a trigger (of the run `given` would start)."""
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

    def work_pids(self, pair: str, run_id: str) -> list[int]:
        """The process ids the server says run the run's work now (a fault picks its worker by them)."""
        ...

    def cancel(self, pair: str, run_id: str) -> None:
        """End a run that will not end by itself (the fault harness gives up on it)."""
        ...

    def expect_downstream(self, pair: str, downstream: str) -> None:
        """Before a trigger: make sure the pair's landing will start `downstream` (Airflow unpauses its
        DAG; Prefect checks its deployment's trigger is an enabled automation), or say how to fix it."""
        ...

    def follow(self, pair: str, run: RunRecord, downstream: str, *, timeout: float) -> Handover:
        """The run of `downstream` that `run`'s landing event started; waits at most `timeout` for it
        (`DownstreamMissingError` naming what was waited for and the log to read)."""
        ...

    def count_runs_since(self, pair: str, since: datetime) -> int:
        """Runs of the pair the server recorded since `since`: a burst must account for each."""
        ...

    def failure_excerpt(self, record: RunRecord) -> str: ...


def request_with_retries(
    client: httpx.Client, method: str, url: str, *, service: str, start_command: str,
    attempts: int = 6, **kwargs: Any,
) -> httpx.Response:
    """Send a request, retrying busy answers (503, as Prefect's own client does) and connections that
    were refused or cut (a server short of database connections resets them: seen on Prefect under a
    burst of 50 runs).

    A server that stays unreachable becomes a `ServiceDownError` naming the command that starts it, which
    a sweep records as that step's failure before it goes on. A retried trigger that had reached the
    server makes one run too many: a burst's count of the server's runs shows it.
    """
    delay = 0.25
    for attempt in range(attempts):
        try:
            response = client.request(method, url, **kwargs)
        except RETRY_ERRORS as exc:
            if attempt == attempts - 1:
                raise ServiceDownError(
                    f"{service} is not answering at {client.base_url} ({type(exc).__name__}). "
                    f"Start it with `{start_command}`; if it is running, its log says why it does not answer.") from exc
        else:
            if response.status_code not in RETRY_STATUSES or attempt == attempts - 1:
                return response
        time.sleep(delay)
        delay = min(delay * 2, 4.0)
    raise AssertionError("unreachable")


def poll_until_terminal(read_state: Callable[[], str], terminal: Collection[str], *, interval: float,
                        timeout: float, still_running: Callable[[str], LabError]) -> tuple[str, dict[str, float]]:
    """Poll a run's state (one small request) until it is terminal; also return what waiting cost.

    The cost — the harness's own CPU time and wall time between the first poll and the terminal
    answer, and the number of polls — is kept with the run record, so the report can show that
    watching a run did not take CPU from it.
    """
    cpu, wall = time.process_time(), time.monotonic()
    deadline = wall + timeout
    polls = 0
    while True:
        state = read_state()
        polls += 1
        if state in terminal:
            return state, {"cpu_s": round(time.process_time() - cpu, 4),
                           "wall_s": round(time.monotonic() - wall, 3), "polls": polls}
        if time.monotonic() > deadline:
            raise still_running(state)
        time.sleep(interval)


def poll_until_found(find: Callable[[], T | None], *, interval: float, timeout: float,
                     missing: Callable[[], LabError]) -> T:
    """Call `find` until it returns something; at most `timeout` seconds and `timeout / interval` + 1
    calls, then raise `missing()` (so a clock that jumps cannot make the loop endless either)."""
    deadline = time.monotonic() + timeout
    for _ in range(math.ceil(timeout / interval) + 1):
        found = find()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise missing()
