"""Alert on a failed run on Prefect 3: flow-level `on_failure` (and `on_completion`) hooks.

Twin of airflow_dags/failure_hooks.py. `validate` rejects the batch, so the flow run fails and
`load` never runs. Prefect then calls the flow's failure hook in the flow run's own process with
`(flow, flow_run, state)`: the final state carries the exception, not the task that raised it, so
the hook asks the API which task run failed before writing one alert row to prefect.failure_hooks.
A hook's return value is ignored: the lesson's handler that returned `state` changed nothing.
"""

from prefect import Flow, flow, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.states import State

from shared_logic.alerts import extract_feed, record_outcome, validate_strictly
from shared_logic.orders import load_orders


def notify(flow: Flow, flow_run: FlowRun, state: State) -> None:
    """Write the run's outcome, naming the task that failed; called on completion and failure alike."""
    failed_task = None
    if state.is_failed():
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])))
        # Task run names are '<task name>-<3 characters>'.
        failed_task = next((r.name.rsplit("-", 1)[0] for r in runs if r.state and r.state.is_failed()), None)
    record_outcome(flow.name, "failed" if state.is_failed() else "success", failed_task, orchestrator="prefect")


@task
def extract() -> list[dict]:
    """Today's raw orders feed."""
    return extract_feed()


@task
def validate(rows: list[dict]) -> list[dict]:
    """Reject the whole batch if any row is invalid (it is: the pipeline exists to fail here)."""
    return validate_strictly(rows)


@task
def load(rows: list[dict]) -> int:
    """Load a valid batch into prefect.failure_hooks_orders (never reached)."""
    return load_orders(rows, orchestrator="prefect", table="failure_hooks_orders")


@flow(name="failure_hooks", log_prints=True, on_failure=[notify], on_completion=[notify])
def failure_hooks() -> int:
    """extract -> validate (fails) -> load; the failure hook writes the alert."""
    return load(validate(extract()))


if __name__ == "__main__":
    failure_hooks()
