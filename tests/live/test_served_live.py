"""Prefect's other execution path for real: a `prefect.serve` process runs the pair, and the worker does not.

The bench workload `served` measures both paths; here one repetition runs on the live stack and each
run is checked: equal output, the served run on its own deployment with no work pool, and no
`prefect-serve` process left once the step is over.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from comparisons.bench.plan import Step
from comparisons.bench.served import measure_served
from comparisons.clients.prefect import PrefectClient
from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.stack.services import WORK_POOL
from comparisons.store.runs import RunRecord

pytestmark = pytest.mark.live


def test_one_served_step_runs_the_pair_both_ways_equal_and_leaves_no_serve_process(
        stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> None:
    lab = dataclasses.replace(stack, results=tmp_path_factory.mktemp("served") / "results")
    worker = PrefectClient(lab.prefect_url, work_log=lab.work_log)
    values = measure_served(lab, worker, Step("served", "etl_basic", {}, 0, 1, kind="served"), timeout=300)
    assert values["equal"] == {"worker": True, "serve": True}, values["runs"]
    assert values["order"] == ["worker", "serve"], "repetition 1: the worker first"
    flow_runs = {path: httpx.get(f"{lab.prefect_url}/flow_runs/{RunRecord.from_json(run).run_id}", timeout=10).json()
                 for path, run in values["runs"].items()}
    assert flow_runs["worker"]["work_pool_name"] == WORK_POOL
    assert flow_runs["serve"]["work_pool_name"] is None, "a served run needs no work pool"
    served = httpx.get(f"{lab.prefect_url}/deployments/{flow_runs['serve']['deployment_id']}", timeout=10).json()
    assert served["name"] == "etl_basic-served"
    assert "prefect-serve" not in native.lab_processes(lab).values()
