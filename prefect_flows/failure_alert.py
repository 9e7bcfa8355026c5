"""Tell someone when a run fails, on Prefect 3: an automation on the flow run entering Failed.

Twin of airflow_dags/failure_alert.py. `validate` rejects the batch, so the flow run fails: its process
sets the Failed state (`end_time`) and the server records the event `prefect.flow-run.Failed`. The
automation in config/automations/failure-alert.json (the deploy job creates it) triggers on it and calls
the Webhook block `lab-alerts` (the lab's alert receiver) with its payload, a Jinja template the server
renders with the run and its flow. Nothing here knows about the alert: it lives on the server, edited
in the UI's Automations page. The event does not say which task failed; the alert's link opens the run.
"""

from prefect import flow, task

from shared_logic.alerts import extract_feed, validate_strictly
from shared_logic.orders import load_orders


@task
def extract() -> list[dict]:
    return extract_feed()


@task
def validate(rows: list[dict]) -> list[dict]:
    return validate_strictly(rows)  # raises: the feed has invalid rows on purpose


@task
def load(rows: list[dict]) -> int:
    return load_orders(rows, orchestrator="prefect", table="failure_alert_orders")  # never reached


@flow(name="failure_alert", log_prints=True)
def failure_alert() -> int:
    """extract -> validate (fails) -> load; the server's automation tells the alert receiver."""
    return load(validate(extract()))


if __name__ == "__main__":
    failure_alert()
