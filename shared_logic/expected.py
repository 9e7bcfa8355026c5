"""What a correct run of each pipeline pair does, decided without any orchestrator.

The harness and the in-process tests judge both sides against these: the terminal state each must
reach (some pairs exist to show a failure, e.g. a timeout) and, for pairs that write output, the
fingerprint of `<orchestrator>.<pair>` computed in plain Python. A new pair adds one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from shared_logic.orders import expected_etl_basic
from shared_logic.warehouse import Fingerprint

__all__ = ["EXPECTATIONS", "Expectation", "expectation", "expected_fingerprint"]


@dataclass(frozen=True)
class Expectation:
    state: Literal["success", "failed"] = "success"
    output: Callable[..., Fingerprint] | None = None
    """Plain-Python fingerprint of the output table, from the run's parameters; None: no table."""


EXPECTATIONS: dict[str, Expectation] = {
    "etl_basic": Expectation(output=expected_etl_basic),
}


def expectation(pair: str) -> Expectation:
    try:
        return EXPECTATIONS[pair]
    except KeyError:
        raise KeyError(
            f"no expectation for pair {pair!r}: add it to EXPECTATIONS in shared_logic/expected.py "
            f"(known: {sorted(EXPECTATIONS)})") from None


def expected_fingerprint(pair: str, **params: Any) -> Fingerprint | None:
    """Fingerprint a correct run of `pair` with `params` leaves in `<orchestrator>.<pair>`, if any."""
    compute = expectation(pair).output
    return compute(**params) if compute else None
