"""Prefect's two ways to run a deployment, measured on the same server: its worker, and `prefect.serve`.

A process worker polls a work pool and starts each flow run as a new process; a `prefect.serve`
process polls for its own deployments' runs and starts each as its subprocess, with no pool and no
worker (`native.serving`). Both runs of a step are the same pair with the same parameters, triggered
over REST and timed from the server's timestamps, Airflow paused throughout; which path goes first
alternates per repetition. Both pollers are up during both runs, so neither path has the machine to
itself. Each run's output is checked against the plain-Python answer.
"""

from __future__ import annotations

from typing import Any

from comparisons.bench.plan import Step
from comparisons.clients.prefect import PrefectClient
from comparisons.runner import credentials, drop_outputs, harness_warehouse_dsn, read_output
from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.stack.services import SERVED_SUFFIX

__all__ = ["PATHS", "measure_served"]

PATHS = ("worker", "serve")


def measure_served(settings: LabSettings, worker: PrefectClient, step: Step, timeout: float) -> dict[str, Any]:
    """One repetition: the pair through the worker and through `prefect.serve`, in alternating order."""
    from shared_logic.expected import expected_fingerprint

    served = PrefectClient(settings.prefect_url, work_log=worker.work_log, deployment_suffix=SERVED_SUFFIX)
    by_path = {"worker": worker, "serve": served}
    order = list(PATHS) if step.repetition % 2 == 1 else list(reversed(PATHS))
    env = credentials(settings)
    dsn = harness_warehouse_dsn(settings, env)
    expected = expected_fingerprint(step.pair, env, **step.parameters)  # None: the pair leaves no table
    values: dict[str, Any] = {"pair": step.pair, "size": step.size, "parameters": step.parameters, "order": order,
                              "runs": {}, "equal": {}}
    with native.measuring_only(settings, "prefect") as paused, native.serving(
            settings, [step.pair], progress=lambda _: None):
        for path in order:
            drop_outputs(settings, step.pair, ["prefect"])
            client = by_path[path]
            record = client.wait(step.pair, client.trigger(step.pair, step.parameters), timeout=timeout)
            values["runs"][path] = record.to_json()
            values["equal"][path] = record.state == "success" and (
                expected is None or read_output(dsn, "prefect", step.pair) == dict(expected))
    values["other_side_paused_processes"] = paused
    return values
