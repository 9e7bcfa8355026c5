"""A throw-away Prefect deployment of a pair's flow with a schedule, for tests of Prefect's scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx

from comparisons.clients.prefect import PrefectClient

#: The probe's interval: a missed first slot costs at most the main scheduler's 60 s loop plus one interval.
PROBE_INTERVAL_S = 60
#: How long a test waits for a scheduled run of the probe to finish: that worst case plus the run.
PROBE_WAIT_S = 240


@contextmanager
def scheduled_probe(http: httpx.Client, pair: str, name: str) -> Iterator[str]:
    """Copy the pair's deployment with a run due every minute from 5 s on; yields its id.

    The server's recent-deployments loop (every 5 s) schedules a deployment updated in its last 6 s,
    so the first slot is normally taken. On a busy machine that loop can come late: the main
    scheduler (every 60 s) then schedules from its own "now", past that first slot, and a one-minute
    interval keeps its next slot near. The probe is paused (which deletes its scheduled runs) and
    deleted afterwards, so no flood of scheduled runs outlives the test.
    """
    template = PrefectClient(str(http.base_url)).deployment(pair)
    anchor = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    created = http.post("/deployments/", json={
        "name": name, "flow_id": template["flow_id"], "work_pool_name": template["work_pool_name"],
        "entrypoint": template["entrypoint"], "path": template["path"], "pull_steps": template["pull_steps"],
        "parameter_openapi_schema": template["parameter_openapi_schema"], "paused": False,
        "schedules": [{"schedule": {"interval": PROBE_INTERVAL_S, "anchor_date": anchor}, "active": True}]})
    assert created.status_code in (200, 201), created.text
    deployment_id = created.json()["id"]
    try:
        yield deployment_id
    finally:
        http.post(f"/deployments/{deployment_id}/pause_deployment")
        http.delete(f"/deployments/{deployment_id}")
