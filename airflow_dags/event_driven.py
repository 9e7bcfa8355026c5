"""Event-driven on Airflow 3: `event_driven` lands raw orders, which starts `event_driven_consumer`.

Twin of prefect_flows/event_driven.py. `land` has the landing table as an outlet Asset: on its success the
api-server records an asset event (`timestamp`), the scheduler creates a run of the consumer, scheduled on that
Asset (`queued_at`), and starts it (`start_date`); the consumer loads airflow.event_driven, the pair's output.
`AssetWatcher` (an Asset's `watchers=`, e.g. a `MessageQueueTrigger` on SQS or Kafka that the triggerer waits
on) is for data landing outside Airflow: here a DAG lands it, and its outlet records the event itself.
"""

from datetime import timedelta

from airflow.sdk import Asset, Param, dag, task

from shared_logic import extract_orders, land_orders, load_orders, read_landed_orders, transform_orders


@task
def extract(n_rows: int, seed: int) -> list[dict]:
    return extract_orders(n_rows=n_rows, seed=seed)


@task(outlets=[Asset("airflow.event_driven_landing")])
def land(rows: list[dict]) -> int:
    """Replace airflow.event_driven_landing; on success Airflow records the asset event."""
    return land_orders(rows, orchestrator="airflow")


@task
def read_landed() -> list[dict]:
    return read_landed_orders(orchestrator="airflow")


@task
def transform(rows: list[dict]) -> list[dict]:
    return transform_orders(rows)


@task
def load(rows: list[dict]) -> int:
    return load_orders(rows, orchestrator="airflow", table="event_driven")


@dag(schedule=None, catchup=False, tags=["lab", "event_driven"],
     default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
     params={"n_rows": Param(500, type="integer", minimum=0), "seed": Param(42, type="integer")})
def event_driven(n_rows: int = 500, seed: int = 42):
    """The producer: extract -> land; trigger with conf {"n_rows": ..., "seed": ...}."""
    land(extract(n_rows, seed))


@dag(schedule=[Asset("airflow.event_driven_landing")], catchup=False, tags=["lab", "event_driven"],
     default_args={"retries": 2, "retry_delay": timedelta(seconds=5)})
def event_driven_consumer():
    """The consumer, run by the scheduler on each asset event of the landing table: read -> transform -> load."""
    load(transform(read_landed()))


event_driven()
event_driven_consumer()
