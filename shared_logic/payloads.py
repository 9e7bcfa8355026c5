"""A payload of a chosen size handed from one task to the next, and its fingerprint on arrival.

`airflow_dags/results_and_payloads.py` passes it through XCom, `prefect_flows/results_and_payloads.py`
through a persisted (JSON) task result. The consumer fingerprints what it received; if either
orchestrator truncated, re-encoded or mixed up the payload, the fingerprint differs from the
plain-Python one computed here.
"""

from __future__ import annotations

import hashlib
import random
import string

from shared_logic.warehouse import (
    Column,
    Fingerprint,
    check_orchestrator,
    fingerprint_rows,
    load_rows,
    warehouse_dsn,
)
from shared_logic.work_clock import measured

__all__ = [
    "MAX_PAYLOAD_KB",
    "PAYLOAD_COLUMNS",
    "PAYLOAD_TABLE",
    "expected_results_and_payloads",
    "load_payload_fingerprint",
    "make_payload",
    "payload_fingerprint",
]

MAX_PAYLOAD_KB = 16_384  # 16 MiB: beyond that, pass a reference to object storage, not the data
_ALPHABET = string.ascii_letters + string.digits  # ASCII: one character is one byte in UTF-8
_PAYLOAD_SEED = 20240101

PAYLOAD_COLUMNS: tuple[Column, ...] = (("bytes", "INTEGER NOT NULL"), ("sha256", "TEXT NOT NULL"))
PAYLOAD_TABLE = "results_and_payloads"


@measured
def make_payload(payload_kb: int = 64) -> str:
    """Exactly `payload_kb` KiB of deterministic, incompressible-looking ASCII text."""
    if not 0 <= payload_kb <= MAX_PAYLOAD_KB:
        raise ValueError(f"payload_kb must be between 0 and {MAX_PAYLOAD_KB}, got {payload_kb}")
    return "".join(random.Random(_PAYLOAD_SEED).choices(_ALPHABET, k=payload_kb * 1024))


@measured
def payload_fingerprint(payload: str) -> dict:
    """Size and SHA-256 of the payload's UTF-8 bytes, as the consumer received it."""
    if not isinstance(payload, str):
        raise TypeError(f"the payload arrived as {type(payload).__name__}, expected str")
    data = payload.encode("utf-8")
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@measured
def load_payload_fingerprint(received: dict, *, orchestrator: str) -> int:
    """Replace `<orchestrator>.results_and_payloads` with the one fingerprint row of this run."""
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, PAYLOAD_TABLE, PAYLOAD_COLUMNS, [received])


def expected_results_and_payloads(payload_kb: int = 64) -> Fingerprint:
    """The fingerprint a correct run leaves: the payload made here, fingerprinted here."""
    return fingerprint_rows(PAYLOAD_COLUMNS, [payload_fingerprint(make_payload(payload_kb))])
