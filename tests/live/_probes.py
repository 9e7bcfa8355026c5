"""A throw-away Prefect deployment of a pair's flow with a schedule, for tests of Prefect's scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx

from comparisons.clients.prefect import PrefectClient


@contextmanager
def scheduled_probe(http: httpx.Client, pair: str, name: str) -> Iterator[str]:
    """Copy the pair's deployment with one run due in 5 s (the next an hour later); yields its id.

    The probe is paused and deleted afterwards, so no flood of scheduled runs outlives the test.
    """
    template = PrefectClient(str(http.base_url)).deployment(pair)
    anchor = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    created = http.post("/deployments/", json={
        "name": name, "flow_id": template["flow_id"], "work_pool_name": template["work_pool_name"],
        "entrypoint": template["entrypoint"], "path": template["path"], "pull_steps": template["pull_steps"],
        "parameter_openapi_schema": template["parameter_openapi_schema"], "paused": False,
        "schedules": [{"schedule": {"interval": 3600, "anchor_date": anchor}, "active": True}]})
    assert created.status_code in (200, 201), created.text
    deployment_id = created.json()["id"]
    try:
        yield deployment_id
    finally:
        http.post(f"/deployments/{deployment_id}/pause_deployment")
        http.delete(f"/deployments/{deployment_id}")
