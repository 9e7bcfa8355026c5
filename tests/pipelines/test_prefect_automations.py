"""The deploy job's automations for real, on a throw-away Prefect server: made for their profile, gone on the others.

An automation outlives the server process (it is a row in Prefect's database), so the deploy job that
starts a `tuned` stack must remove the zombie-run automation a `robust` one left: with heartbeats every
180 s, a 60 s watch would crash healthy runs. failure_alert's automation belongs to every profile, and
calls the Webhook block the deploy job saved, by the id this server gave it.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from comparisons.settings import REPO_ROOT, LabSettings

pytestmark = pytest.mark.pipeline

SCRIPT = """
import json
from comparisons.inside.prefect.flow_call import _sandbox
_sandbox()  # a throw-away API, its database copied from a migrated template
from prefect.client.orchestration import get_client
from comparisons.inside.prefect.deploy import ensure_alert_webhook, ensure_automations
blocks = ensure_alert_webhook({"LAB_ALERT_URL": "http://127.0.0.1:9/alerts/prefect"})

def names():
    with get_client(sync_client=True) as client:
        return sorted(a.name for a in client.read_automations() if a.name.startswith("lab: "))

seen = {}
for profile in ("robust", "robust", "tuned", "stock"):
    seen.setdefault(profile, []).append({"made": ensure_automations(profile, blocks=blocks), "on the server": names()})
with get_client(sync_client=True) as client:
    alert = next(a for a in client.read_automations() if a.name == "lab: alert on failed failure_alert runs")
print(json.dumps({"seen": seen, "blocks": blocks, "webhook": str(alert.actions[0].block_document_id)}))
"""


def test_the_zombie_automation_exists_once_under_robust_and_not_at_all_under_the_others() -> None:
    python = LabSettings.from_environment().venv_bin("prefect", "python")
    if not python.exists():
        pytest.skip(f"{python} is missing: install the prefect environment first (./lab setup)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LAB_"))} | {
        "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([str(python), "-c", SCRIPT], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    seen = found["seen"]
    zombie, alert = "lab: crash zombie flow runs", "lab: alert on failed failure_alert runs"
    assert [step["on the server"] for step in seen["robust"]] == [[alert, zombie], [alert, zombie]], \
        "made once, not twice"
    assert [step["on the server"] for step in seen["tuned"] + seen["stock"]] == [[alert], [alert]]
    assert found["webhook"] == found["blocks"]["webhook/lab-alerts"], "the action calls the block saved"
