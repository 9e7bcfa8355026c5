"""Serve pairs' flows with `prefect.serve`: Prefect's way to run deployments with no work pool or worker.

Runs inside the Prefect environment, started by the harness (`native.serving`) with the worker's
environment. One long-lived process registers a deployment `<pair>/<pair>-served` per pair named on
the command line, polls the server for their runs and starts each as a subprocess of its own, as
the process worker does for the `lab` pool's `<pair>/<pair>`. The bench workload `served` runs the
same pair both ways on the same server, so the report can say what the worker path costs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from prefect import serve
from prefect.flows import load_flow_from_entrypoint

from comparisons.stack.services import SERVED_SUFFIX

REPO_ROOT = Path(__file__).resolve().parents[3]
FLOWS = REPO_ROOT / "prefect_flows"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pairs", nargs="+", metavar="PAIR")
    args = parser.parse_args(argv)
    deployments = []
    for pair in args.pairs:
        flow = load_flow_from_entrypoint(f"{FLOWS / pair}.py:{pair}")
        deployments.append(flow.to_deployment(name=f"{pair}{SERVED_SUFFIX}", tags=["lab", pair, "served"]))
    print(f"serving {', '.join(d.name for d in deployments)}", flush=True)
    serve(*deployments, print_starting_message=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
