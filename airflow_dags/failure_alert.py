"""Tell someone when a run fails, on Airflow 3: a notifier as the DAG's `on_failure_callback`.

Twin of prefect_flows/failure_alert.py. `validate` fails the run; the scheduler marks it failed (`end_date`),
the dag-processor runs the callback: the notifier renders its payload (a templated field) with the run's
context, failed task included, and POSTs it to Connection `lab_alerts` (the lab's receiver). Provider
notifiers (Slack, SMTP, HTTP) are built the same way; a failed one is logged, not retried.
"""

import json
import urllib.request

from airflow.sdk import BaseNotifier, Connection, Context, dag, task

from shared_logic.alerts import extract_feed, validate_strictly
from shared_logic.orders import load_orders

ALERT = ('{"pipeline": {{ dag.dag_id | tojson }}, "run_id": {{ run_id | tojson }}, "state": {{ dag_run.state'
         ' | tojson }}, "task": {{ ti.task_id | tojson }}, "url": {{ ti.log_url | tojson }}, "message": '
         '{{ reason | tojson }}}')  # which pipeline, run and task, its state, a link to the task's log


class WebhookNotifier(BaseNotifier):
    """POST a rendered JSON payload to the endpoint of an Airflow HTTP connection."""
    template_fields = ("payload",)

    def __init__(self, conn_id: str, path: str, payload: str):
        super().__init__()
        self.conn_id, self.path, self.payload = conn_id, path, payload

    def notify(self, context: Context) -> None:
        conn, body = Connection.get(self.conn_id), json.dumps(json.loads(self.payload)).encode()  # JSON or fail
        request = urllib.request.Request(f"{conn.schema or 'http'}://{conn.host}:{conn.port}{self.path}", data=body,
                                         method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()  # an answer other than 2xx raises


@task
def extract() -> list[dict]:
    return extract_feed()


@task
def validate(rows: list[dict]) -> list[dict]:
    return validate_strictly(rows)  # raises: the feed has invalid rows on purpose


@task
def load(rows: list[dict]) -> int:
    return load_orders(rows, orchestrator="airflow", table="failure_alert_orders")  # never reached


@dag(schedule=None, catchup=False, tags=["lab", "failure_alert"],
     on_failure_callback=WebhookNotifier(conn_id="lab_alerts", path="/alerts/airflow", payload=ALERT))
def failure_alert():
    """extract -> validate (fails) -> load; the notifier tells the alert receiver."""
    load(validate(extract()))


failure_alert()
