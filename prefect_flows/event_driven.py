"""Event-driven on Prefect 3: `event_driven` lands raw orders, which starts `event_driven_consumer`.

Twin of airflow_dags/event_driven.py. `land` emits the event `lab.orders.landed` about the landing
table (its `occurred`: the task's clock, just after the commit). The consumer's deployment has a trigger
on that event (`triggers:` in prefect_flows/prefect.yaml, an automation on the server): the server's
triggers service creates a consumer flow run (`created`), the worker starts it (`start_time`), and it
loads prefect.event_driven, the pair's output. Related to the emitting flow run, the event names its run.
"""

from prefect import flow, task
from prefect.events import emit_event

from shared_logic import extract_orders, land_orders, load_orders, read_landed_orders, transform_orders


@task(retries=2, retry_delay_seconds=5)
def extract(n_rows: int, seed: int) -> list[dict]:
    return extract_orders(n_rows=n_rows, seed=seed)


@task(retries=2, retry_delay_seconds=5)
def land(rows: list[dict]) -> int:
    """Replace prefect.event_driven_landing, then say so: the event the consumer's trigger waits for."""
    count = land_orders(rows, orchestrator="prefect")
    emit_event(event="lab.orders.landed", payload={"rows": count},
               resource={"prefect.resource.id": "lab.warehouse.prefect.event_driven_landing"})
    return count


@task(retries=2, retry_delay_seconds=5)
def read_landed() -> list[dict]:
    return read_landed_orders(orchestrator="prefect")


@task(retries=2, retry_delay_seconds=5)
def transform(rows: list[dict]) -> list[dict]:
    return transform_orders(rows)


@task(retries=2, retry_delay_seconds=5)
def load(rows: list[dict]) -> int:
    return load_orders(rows, orchestrator="prefect", table="event_driven")


@flow(name="event_driven", log_prints=True)
def event_driven(n_rows: int = 500, seed: int = 42) -> int:
    """The producer: extract -> land; run with parameters {"n_rows": ..., "seed": ...}."""
    return land(extract(n_rows, seed))


@flow(name="event_driven_consumer", log_prints=True)
def event_driven_consumer() -> int:
    """The consumer, run by the deployment's trigger on each `lab.orders.landed`: read -> transform -> load."""
    return load(transform(read_landed()))


if __name__ == "__main__":
    event_driven()
