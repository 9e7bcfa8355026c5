"""What a correct run of each pipeline pair leaves in the warehouse, computed in plain Python.

The harness checks Airflow's and Prefect's output tables against these
fingerprints: an orchestrator is right when it matches the answer computed
without any orchestrator at all. A new pair adds its function here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared_logic.orders import expected_etl_basic
from shared_logic.warehouse import Fingerprint

__all__ = ["EXPECTED_FINGERPRINTS", "expected_fingerprint"]

# pair name -> function(**pipeline parameters) -> fingerprint of `<orchestrator>.<pair>`
EXPECTED_FINGERPRINTS: dict[str, Callable[..., Fingerprint]] = {
    "etl_basic": expected_etl_basic,
}


def expected_fingerprint(pair: str, **params: Any) -> Fingerprint:
    """Fingerprint a correct run of `pair` with `params` must leave in `<orchestrator>.<pair>`."""
    try:
        compute = EXPECTED_FINGERPRINTS[pair]
    except KeyError:
        raise KeyError(
            f"no expected output for pair {pair!r}: add it to EXPECTED_FINGERPRINTS in "
            f"shared_logic/expected.py (known: {sorted(EXPECTED_FINGERPRINTS)})"
        ) from None
    return compute(**params)
