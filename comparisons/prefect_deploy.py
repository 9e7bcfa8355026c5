"""Register one Prefect deployment per flow file in `prefect_flows/` (the compose `prefect-deploy` job).

Runs inside the Prefect environment. The deployment is named after the file, like the flow and the
Airflow DAG, and is loaded from local source, so an edited flow runs without re-deploying.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists

FLOWS = Path(__file__).resolve().parent.parent / "prefect_flows"


async def ensure_work_pool(name: str) -> None:
    async with get_client() as client:
        try:
            await client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        except ObjectAlreadyExists:
            pass


def deploy_all(pool: str, flows: Path = FLOWS) -> list[str]:
    names = []
    for path in sorted(flows.glob("*.py")):
        if path.name.startswith("_"):
            continue
        flow = Flow.from_source(source=str(flows), entrypoint=f"{path.name}:{path.stem}")
        flow.deploy(
            name=path.stem, work_pool_name=pool, tags=["lab", path.stem], print_next_steps=False,
            ignore_warnings=True)
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
