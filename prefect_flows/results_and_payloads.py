"""Passing a payload between tasks on Prefect 3: a return value, persisted as a JSON result.

Twin of airflow_dags/results_and_payloads.py. The consumer gets the producer's return value in
memory; `persist_result=True` also writes it to result storage (JSON, human-readable), so it
survives the process: a retry of the flow run reads it back instead of recomputing it.
"""

from typing import Annotated

from prefect import flow, task
from pydantic import Field

from shared_logic.payloads import MAX_PAYLOAD_KB, load_payload_fingerprint, make_payload, payload_fingerprint


# Stored under the default local result storage (PREFECT_LOCAL_STORAGE_PATH, ~/.prefect/storage);
# for large payloads or workers on several machines, set result_storage to an S3/GCS block.
@task(retries=2, retry_delay_seconds=5, persist_result=True, result_serializer="json")
def produce_payload(payload_kb: int) -> str:
    """`payload_kb` KiB of text, persisted as this task's result."""
    return make_payload(payload_kb)


@task(retries=2, retry_delay_seconds=5, persist_result=True, result_serializer="json")
def consume_payload(payload: str) -> dict:
    """Size and SHA-256 of the payload as it arrived here."""
    return payload_fingerprint(payload)


@task(retries=2, retry_delay_seconds=5)
def load(received: dict) -> int:
    return load_payload_fingerprint(received, orchestrator="prefect")


@flow(name="results_and_payloads", log_prints=True)
def results_and_payloads(payload_kb: Annotated[int, Field(ge=0, le=MAX_PAYLOAD_KB)] = 64) -> int:
    """produce_payload -> consume_payload -> load; run with parameters {"payload_kb": ...}."""
    return load(consume_payload(produce_payload(payload_kb)))


if __name__ == "__main__":
    results_and_payloads()
