"""Alert on a failed run on Airflow 3: DAG-level `on_failure_callback` (and `on_success_callback`).

Twin of prefect_flows/failure_hooks.py. `validate` rejects the batch, so the run fails and
`load` never runs. The scheduler then asks the dag-processor to run the DAG's failure callback,
which Airflow hands the run's context, including the task instance that failed (`ti`); it
writes one alert row to airflow.failure_hooks. The callback runs there, not in a task: it has no
retries, and it lands a moment after the run is marked failed (the harness waits for it).
"""

from airflow.sdk import Context, dag, task

from shared_logic.alerts import extract_feed, record_outcome, validate_strictly
from shared_logic.orders import load_orders


def notify(context: Context) -> None:
    """Write the run's outcome, naming the task that failed; called on success and failure alike."""
    failed = context["reason"] != "success"
    failed_task = context["ti"].task_id if failed and "ti" in context else None
    record_outcome(context["dag"].dag_id, "failed" if failed else "success", failed_task, orchestrator="airflow")


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
    """Load a valid batch into airflow.failure_hooks_orders (never reached)."""
    return load_orders(rows, orchestrator="airflow", table="failure_hooks_orders")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "failure_hooks"],
    on_failure_callback=notify,
    on_success_callback=notify,
)
def failure_hooks():
    """extract -> validate (fails) -> load; the failure callback writes the alert."""
    load(validate(extract()))


failure_hooks()
