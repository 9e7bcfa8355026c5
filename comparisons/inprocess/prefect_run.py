"""Run one lab flow in-process by calling it, on a throw-away Prefect API; last stdout line is JSON.

Usage, from the repo root with Prefect's venv::

    PYTHONPATH=. LAB_WAREHOUSE_DSN=postgresql://... \
        .lab/venvs/prefect/bin/python -m comparisons.inprocess.prefect_run etl_basic --param n_rows=100

Prints ``{"pair", "orchestrator", "state": "success"|"failed", "tasks": {task_name: state},
"error": str|null}`` and exits 0 on success, 1 otherwise. Everything else (Prefect's
and the tasks' logs) goes to stderr.

Environment:

* ``LAB_WAREHOUSE_DSN`` (required): read by the pipeline's load task.
* ``PYTHONPATH`` must hold the repo root, so flow files can import ``shared_logic``.
* ``PREFECT_API_URL``: unset (the normal case), the run goes to a throw-away API:
  ``prefect_test_harness()`` starts a server subprocess on a free port with a
  fresh sqlite DB in a temp dir, and the runner points ``PREFECT_HOME`` at a
  temp dir too, so no profile or DB of the user's is read or written. Set, the
  flow runs against that server instead (the caller owns it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import traceback
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from comparisons.inprocess._common import claim_stdout, emit, parse_args, pipeline_file

ORCHESTRATOR = "prefect"

# Prefect state types -> the lab's orchestrator-neutral words (Airflow's task states).
_STATE_NAMES = {"COMPLETED": "success", "FAILED": "failed", "CRASHED": "failed"}


def _state_name(state: Any) -> str:
    if state is None:
        return "none"
    kind = str(getattr(state.type, "value", state.type))
    return _STATE_NAMES.get(kind, kind.lower())


def _load_flow(pair: str) -> Any:
    """Import `prefect_flows/<pair>.py` by path and return its flow named `pair`."""
    from prefect import Flow

    path = pipeline_file("prefect_flows", pair)
    spec = importlib.util.spec_from_file_location(f"lab_prefect_flows_{pair}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    candidate = getattr(module, pair, None)
    if not isinstance(candidate, Flow):
        raise LookupError(f"{path} defines no flow function named {pair!r}")
    return candidate


def _task_states(flow_run_id: Any) -> dict[str, str]:
    """Final state of each task run of the flow run, keyed by task name."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
        )
    # Task run names are '<task name>-<3 hex>': strip the suffix to get Airflow-like task ids.
    return {run.name.rsplit("-", 1)[0]: _state_name(run.state) for run in task_runs}


def run(pair: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call the pair's flow once with `params` and collect its and its tasks' final states."""
    with ExitStack() as stack:
        if not os.environ.get("PREFECT_API_URL"):
            home = tempfile.mkdtemp(prefix="lab-prefect-inprocess-")
            stack.callback(shutil.rmtree, home, ignore_errors=True)
            # Must be set before Prefect is imported: settings are read once, at import.
            os.environ["PREFECT_HOME"] = home
            from prefect.testing.utilities import prefect_test_harness

            stack.enter_context(prefect_test_harness())
        flow = _load_flow(pair)
        state = flow(**params, return_state=True)
        flow_run_id = state.state_details.flow_run_id
        tasks = _task_states(flow_run_id) if flow_run_id else {}
    ok = state.is_completed()
    return {
        "state": "success" if ok else "failed",
        "tasks": tasks,
        "error": None if ok else f"flow run ended {state.type.value}: {state.message}",
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(ORCHESTRATOR, argv)
    result: dict[str, Any] = {"pair": args.pair, "orchestrator": ORCHESTRATOR}
    stdout = claim_stdout()
    try:
        result |= run(args.pair, args.params)
    except Exception as exc:  # any failure becomes the JSON outcome, with the traceback on stderr
        traceback.print_exc()
        result |= {"state": "failed", "tasks": {}, "error": f"{type(exc).__name__}: {exc}"}
    emit(stdout, result)
    return 0 if result["state"] == "success" else 1


if __name__ == "__main__":
    raise SystemExit(main())
