"""The results_and_payloads pair's payload: exact size, deterministic, fingerprinted on arrival."""

from __future__ import annotations

import hashlib
import json

import pytest

from shared_logic.payloads import MAX_PAYLOAD_KB, expected_results_and_payloads, make_payload, payload_fingerprint


@pytest.mark.parametrize("payload_kb", [0, 1, 64])
def test_the_payload_has_exactly_the_size_asked_for(payload_kb: int) -> None:
    payload = make_payload(payload_kb)
    assert len(payload.encode("utf-8")) == payload_kb * 1024
    assert payload == make_payload(payload_kb)
    assert json.loads(json.dumps(payload)) == payload  # survives XCom and Prefect's JSON serializer


def test_sizes_outside_the_declared_range_are_refused() -> None:
    for bad in (-1, MAX_PAYLOAD_KB + 1):
        with pytest.raises(ValueError, match=f"between 0 and {MAX_PAYLOAD_KB}"):
            make_payload(bad)


def test_the_fingerprint_is_size_and_sha256_of_what_arrived() -> None:
    payload = make_payload(2)
    assert payload_fingerprint(payload) == {"bytes": 2048, "sha256": hashlib.sha256(payload.encode()).hexdigest()}
    assert payload_fingerprint(payload[:-1])["sha256"] != payload_fingerprint(payload)["sha256"]
    with pytest.raises(TypeError, match="arrived as bytes"):
        payload_fingerprint(payload.encode())  # type: ignore[arg-type]


def test_expected_output_is_one_row_that_depends_on_the_size() -> None:
    assert expected_results_and_payloads(64)["rows"] == 1
    assert expected_results_and_payloads(64) != expected_results_and_payloads(65)
