"""Register one Prefect deployment per flow file in `prefect_flows/` (the compose `prefect-deploy` job).

Runs inside the Prefect environment. The deployment is named after the file, like the flow and the
Airflow DAG, and is loaded from local source, so an edited flow runs without re-deploying.
Deployment options a flow needs (a schedule, a concurrency limit, event triggers, …) live where
Prefect users expect them: an entry of the same name under `deployments:` in `prefect_flows/prefect.yaml`.
An entry with an `entrypoint:` (`<file>:<flow function>`) is a further deployment, of a second flow
in a pair's file (the event-driven pair's consumer); its `triggers:` become automations on the server,
replaced on every deploy as `prefect deploy` does.
It also provisions what flows use from the server (`provision`): a global concurrency limit for
each of the lab's pools (`config/pools.json`, which Airflow imports as pools), and the Secret block
and Variable made from the lab's `.env` values it is given (never printed), the Webhook block of the
lab's alert receiver (`LAB_ALERT_URL`), and the automations of `config/automations/` that belong to
the stack's profile. An automation's action names its block as `"block": "<block type>/<name>"`;
the deploy job puts in the block's id, which only this server knows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow
from prefect.blocks.system import Secret
from prefect.blocks.webhook import Webhook
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.events import DeploymentTriggerTypes
from prefect.events.schemas.automations import AutomationCore
from prefect.exceptions import ObjectAlreadyExists
from prefect.schedules import Cron, Interval
from prefect.variables import Variable
from pydantic import TypeAdapter

REPO_ROOT = Path(__file__).resolve().parents[3]
FLOWS = REPO_ROOT / "prefect_flows"
POOLS = REPO_ROOT / "config" / "pools.json"
AUTOMATIONS = REPO_ROOT / "config" / "automations"


async def ensure_work_pool(name: str) -> None:
    async with get_client() as client:
        try:
            await client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        except ObjectAlreadyExists:
            pass


def ensure_concurrency_limits(pools: Path = POOLS) -> list[str]:
    """Each Airflow pool of the lab as a Prefect global concurrency limit of the same name and size."""
    declared = json.loads(pools.read_text())
    with get_client(sync_client=True) as client:
        for name, pool in declared.items():
            client.upsert_global_concurrency_limit_by_name(name, int(pool["slots"]))
    return [f"concurrency limit {name} ({pool['slots']} slots)" for name, pool in declared.items()]


def ensure_pipeline_settings(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Secret block `lab-partner` and Variable `lab_export_country`, from the lab's `.env` values.

    Airflow gets the same two as environment variables (`services.airflow_pipeline_settings`).
    """
    made = []
    secret = environ.get("LAB_PIPELINE_SECRET")
    if not secret and (path := environ.get("LAB_PIPELINE_SECRET_FILE")):  # docker compose: a secret file
        secret = Path(path).read_text().strip()
    if secret:
        Secret(value=secret).save("lab-partner", overwrite=True)
        made.append("secret block lab-partner")
    if country := environ.get("LAB_EXPORT_COUNTRY"):
        Variable.set("lab_export_country", country, overwrite=True)
        made.append("variable lab_export_country")
    return made


ALERT_BLOCK = "lab-alerts"  # services.ALERT_BLOCK (this module runs in the Prefect environment)


def ensure_alert_webhook(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Webhook block `lab-alerts`, the alert receiver's endpoint for Prefect; {"webhook/<name>": id}."""
    url = environ.get("LAB_ALERT_URL")
    if not url:
        return {}
    block_id = Webhook(url=url, headers={"Content-Type": "application/json"}).save(ALERT_BLOCK, overwrite=True)
    return {f"webhook/{ALERT_BLOCK}": str(block_id)}


def _with_block_ids(automation: dict[str, Any], blocks: Mapping[str, str]) -> dict[str, Any] | None:
    """The automation with each action's `"block": "<type>/<name>"` replaced by that block's id;
    None if it names a block the deploy job did not save (a throw-away server has no receiver)."""
    actions = []
    for action in automation.get("actions", []):
        if "block" in action:
            action = dict(action)
            name = action.pop("block")
            if name not in blocks:
                return None
            action["block_document_id"] = blocks[name]
        actions.append(action)
    return {**automation, "actions": actions}


def ensure_automations(profile: str, folder: Path = AUTOMATIONS, blocks: Mapping[str, str] | None = None) -> list[str]:
    """Each automation of `config/automations/` that belongs to `profile`, as its file says; the others removed.

    Removed too, because an automation lives in the server's database across restarts: a zombie-run
    automation left from a `robust` stack would crash healthy runs once heartbeats are slower.
    """
    made = []
    with get_client(sync_client=True) as client:
        for path in sorted(folder.glob("*.json")):
            spec = json.loads(path.read_text())
            resolved = _with_block_ids(spec["automation"], blocks or {})
            for old in client.read_automations_by_name(spec["automation"]["name"]):
                client.delete_automation(old.id)
            if resolved is None:
                made.append(f"no automation {spec['automation']['name']!r} ({path.name}): it calls a block "
                            "this server has none of (LAB_ALERT_URL unset)")
            elif profile in spec["profiles"]:
                automation = AutomationCore.model_validate(resolved)
                client.create_automation(automation)
                made.append(f"automation {automation.name!r} ({path.name})")
    return made


def provision(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Everything flows read from the server besides their deployments; idempotent."""
    profile = environ.get("LAB_PROFILE", "tuned")  # the stack's profile (`services.service_environment`)
    blocks = ensure_alert_webhook(environ)
    made = ensure_concurrency_limits() + ensure_pipeline_settings(environ)
    return made + [f"webhook block {name}" for name in blocks] + ensure_automations(profile, blocks=blocks)


DEPLOY_OPTIONS = {"paused", "concurrency_limit", "parameters", "description"}
DeploymentTrigger: TypeAdapter[DeploymentTriggerTypes] = TypeAdapter(DeploymentTriggerTypes)


def _schedule(entry: dict[str, Any]) -> Cron | Interval:
    """One item of prefect.yaml's `schedules:` list (`cron:` or `interval:`, optional `timezone:`)."""
    if "cron" in entry:
        return Cron(entry["cron"], timezone=entry.get("timezone"))
    return Interval(entry["interval"], timezone=entry.get("timezone"))


def _triggers(name: str, specs: list[dict[str, Any]]) -> list[DeploymentTriggerTypes]:
    """prefect.yaml's `triggers:` of one deployment, named as `prefect deploy` names their automations."""
    return [DeploymentTrigger.validate_python({"name": f"{name}__automation_{index}", **spec})
            for index, spec in enumerate(specs, start=1)]


def deployment_options(flows: Path = FLOWS) -> dict[str, dict[str, Any]]:
    """`prefect.yaml` entries by deployment name, reduced to the options `Flow.deploy` takes (and
    `entrypoint`, for a deployment of a flow not named like its file)."""
    config = flows / "prefect.yaml"
    if not config.exists():
        return {}
    entries = yaml.safe_load(config.read_text()).get("deployments") or []
    options = {}
    for entry in entries:
        unknown = set(entry) - DEPLOY_OPTIONS - {"name", "schedules", "triggers", "entrypoint"}
        if unknown:
            raise SystemExit(f"{config}: deployment {entry.get('name')!r} has unsupported keys {sorted(unknown)}")
        kwargs: dict[str, Any] = {k: v for k, v in entry.items() if k in DEPLOY_OPTIONS}
        schedules = [_schedule(s) for s in entry.get("schedules") or []]
        if schedules:
            kwargs["schedules"] = schedules
        if entry.get("triggers"):
            kwargs["triggers"] = _triggers(entry["name"], entry["triggers"])
        if "entrypoint" in entry:
            kwargs["entrypoint"] = entry["entrypoint"]
        options[entry["name"]] = kwargs
    return options


def deploy_all(pool: str, flows: Path = FLOWS) -> list[str]:
    """One deployment per flow file, named like it, then one per prefect.yaml entry with an `entrypoint`."""
    names = []
    options = deployment_options(flows)
    entrypoints = {path.stem: f"{path.name}:{path.stem}" for path in sorted(flows.glob("*.py"))
                   if not path.name.startswith("_")}
    entrypoints |= {name: kwargs.pop("entrypoint") for name, kwargs in options.items() if "entrypoint" in kwargs}
    for name, entrypoint in entrypoints.items():
        flow = Flow.from_source(source=str(flows), entrypoint=entrypoint)
        pair = entrypoint.partition(".py:")[0]
        flow.deploy(
            name=name, work_pool_name=pool, tags=["lab", pair], print_next_steps=False,
            ignore_warnings=True, **options.get(name, {}))
        names.append(f"{flow.name}/{name}")
        triggers = len(options.get(name, {}).get("triggers", []))
        print(f"deployed {flow.name}/{name}" + (f" with {triggers} trigger(s)" if triggers else ""), flush=True)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pool", required=True)
    args = parser.parse_args(argv)
    asyncio.run(ensure_work_pool(args.pool))
    for made in provision():
        print(f"provisioned {made}", flush=True)
    deploy_all(args.pool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
