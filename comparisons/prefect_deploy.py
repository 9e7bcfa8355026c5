"""Register one Prefect deployment per flow file in `prefect_flows/` (the compose `prefect-deploy` job).

Runs inside the Prefect environment. The deployment is named after the file, like the flow and the
Airflow DAG, and is loaded from local source, so an edited flow runs without re-deploying.
Deployment options a flow needs (a schedule, a concurrency limit, …) live where Prefect users
expect them: an entry of the same name under `deployments:` in `prefect_flows/prefect.yaml`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists
from prefect.schedules import Cron, Interval

FLOWS = Path(__file__).resolve().parent.parent / "prefect_flows"


async def ensure_work_pool(name: str) -> None:
    async with get_client() as client:
        try:
            await client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        except ObjectAlreadyExists:
            pass


DEPLOY_OPTIONS = {"paused", "concurrency_limit", "parameters", "description"}


def _schedule(entry: dict[str, Any]) -> Cron | Interval:
    """One item of prefect.yaml's `schedules:` list (`cron:` or `interval:`, optional `timezone:`)."""
    if "cron" in entry:
        return Cron(entry["cron"], timezone=entry.get("timezone"))
    return Interval(entry["interval"], timezone=entry.get("timezone"))


def deployment_options(flows: Path = FLOWS) -> dict[str, dict[str, Any]]:
    """`prefect.yaml` entries by deployment name, reduced to the options `Flow.deploy` takes."""
    config = flows / "prefect.yaml"
    if not config.exists():
        return {}
    entries = yaml.safe_load(config.read_text()).get("deployments") or []
    options = {}
    for entry in entries:
        unknown = set(entry) - DEPLOY_OPTIONS - {"name", "schedules"}
        if unknown:
            raise SystemExit(f"{config}: deployment {entry.get('name')!r} has unsupported keys {sorted(unknown)}")
        kwargs: dict[str, Any] = {k: v for k, v in entry.items() if k in DEPLOY_OPTIONS}
        schedules = [_schedule(s) for s in entry.get("schedules") or []]
        if schedules:
            kwargs["schedules"] = schedules
        options[entry["name"]] = kwargs
    return options


def deploy_all(pool: str, flows: Path = FLOWS) -> list[str]:
    names = []
    options = deployment_options(flows)
    for path in sorted(flows.glob("*.py")):
        if path.name.startswith("_"):
            continue
        flow = Flow.from_source(source=str(flows), entrypoint=f"{path.name}:{path.stem}")
        flow.deploy(
            name=path.stem, work_pool_name=pool, tags=["lab", path.stem], print_next_steps=False,
            ignore_warnings=True, **options.get(path.stem, {}))
        names.append(f"{flow.name}/{path.stem}")
        print(f"deployed {flow.name}/{path.stem}", flush=True)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pool", required=True)
    args = parser.parse_args(argv)
    asyncio.run(ensure_work_pool(args.pool))
    deploy_all(args.pool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
