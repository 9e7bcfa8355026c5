"""Passing a payload between tasks on Airflow 3: the return value travels through XCom.

Twin of prefect_flows/results_and_payloads.py. `produce_payload`'s return value is stored as an
XCom row (JSON) in the metadata database by the task's process and read back by the consumer's
own process: every hand-over is persisted, there is no in-memory path between tasks.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task

from shared_logic.payloads import MAX_PAYLOAD_KB, load_payload_fingerprint, make_payload, payload_fingerprint


@task
def produce_payload(payload_kb: int) -> str:
    """`payload_kb` KiB of text, pushed as this task's return-value XCom."""
    return make_payload(payload_kb)


@task
def consume_payload(payload: str) -> dict:
    """Size and SHA-256 of the payload as it arrived here (pulled from XCom)."""
    return payload_fingerprint(payload)


@task
def load(received: dict) -> int:
    return load_payload_fingerprint(received, orchestrator="airflow")


# Large payloads do not belong in the metadata DB: write them to object storage
# (airflow.sdk.ObjectStoragePath) and pass the path, or let an XCom backend do it for every
# task: AIRFLOW__CORE__XCOM_BACKEND=airflow.providers.common.io.xcom.backend.XComObjectStorageBackend
# with [common.io] xcom_objectstorage_path / xcom_objectstorage_threshold (or a BaseXCom subclass).
@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "results_and_payloads"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"payload_kb": Param(64, type="integer", minimum=0, maximum=MAX_PAYLOAD_KB)},
)
def results_and_payloads(payload_kb: int = 64):
    """produce_payload -> consume_payload -> load; trigger with conf {"payload_kb": ...}."""
    load(consume_payload(produce_payload(payload_kb)))


results_and_payloads()
