"""What a correct run of each pipeline pair does, decided without any orchestrator.

The harness and the in-process tests judge both sides against these: the terminal state each must
reach (some pairs exist to show a failure, e.g. a timeout) and, for pairs that write output, the
fingerprint of `<orchestrator>.<pair>` computed in plain Python. A new pair adds one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared_logic.alerts import expected_failure_hooks
from shared_logic.bench import expected_bench_chain
from shared_logic.daily_orders import expected_scheduled_daily
from shared_logic.data_size import expected_conditional
from shared_logic.exchange_rates import expected_caching
from shared_logic.failure_alert import expected_failure_alert
from shared_logic.fanout import expected_dynamic_fanout
from shared_logic.flaky_source import expected_retries_backoff
from shared_logic.landed_orders import expected_event_driven
from shared_logic.order_files import expected_parallel_files
from shared_logic.order_report import expected_parameters
from shared_logic.orders import expected_etl_basic
from shared_logic.partner_feed import expected_secrets_and_config
from shared_logic.payloads import expected_results_and_payloads
from shared_logic.shared_resource import expected_concurrency_limits
from shared_logic.slow_load import expected_slow_load
from shared_logic.sources import expected_subflows
from shared_logic.warehouse import Fingerprint

__all__ = ["EXPECTATIONS", "Expectation", "expectation", "expected_fingerprint"]


@dataclass(frozen=True)
class Expectation:
    state: Literal["success", "failed"] = "success"
    output: Callable[..., Fingerprint] | None = None
    """Plain-Python fingerprint of the output table, from the run's parameters; None: no table."""
    from_env: Mapping[str, str] = field(default_factory=dict)
    """Further keyword arguments of `output` taken from the lab's `.env` (argument -> key), for an
    output that depends on a setting or secret the lab hands both orchestrators."""
    downstream: str | None = None
    """The pipeline a run of the pair starts when its data lands (an Airflow DAG scheduled on the
    producer's Asset, a Prefect deployment with an event trigger), defined in the pair's files: its
    run is the one judged, `state` and `output` are its. None: the pair's own run is judged."""
    alerts: bool = False
    """The run's end notifies the lab's alert receiver (an Airflow notifier, a Prefect automation): its
    output is the alert the receiver kept, and the harness waits for it, checks which run it names and
    times it. Only a live stack delivers one: an in-process run is judged by its state alone."""


EXPECTATIONS: dict[str, Expectation] = {
    "etl_basic": Expectation(output=expected_etl_basic),
    "concurrency_limits": Expectation(output=expected_concurrency_limits),
    "scheduled_daily": Expectation(output=expected_scheduled_daily),
    "failure_hooks": Expectation(state="failed", output=expected_failure_hooks),
    "secrets_and_config": Expectation(
        output=expected_secrets_and_config,
        from_env={"secret": "LAB_PIPELINE_SECRET", "country": "LAB_EXPORT_COUNTRY"}),
    "retries_backoff": Expectation(output=expected_retries_backoff),
    "timeouts": Expectation(state="failed", output=None),
    "caching": Expectation(output=expected_caching),
    "dynamic_fanout": Expectation(output=expected_dynamic_fanout),
    "parallel_files": Expectation(output=expected_parallel_files),
    "conditional": Expectation(output=expected_conditional),
    "subflows": Expectation(output=expected_subflows),
    "results_and_payloads": Expectation(output=expected_results_and_payloads),
    "parameters": Expectation(output=expected_parameters),
    "bench_chain": Expectation(output=expected_bench_chain),
    "slow_load": Expectation(output=expected_slow_load),
    "event_driven": Expectation(output=expected_event_driven, downstream="event_driven_consumer"),
    "failure_alert": Expectation(state="failed", output=expected_failure_alert, alerts=True),
}


def expectation(pair: str) -> Expectation:
    try:
        return EXPECTATIONS[pair]
    except KeyError:
        raise KeyError(
            f"no expectation for pair {pair!r}: add it to EXPECTATIONS in shared_logic/expected.py "
            f"(known: {sorted(EXPECTATIONS)})") from None


def expected_fingerprint(pair: str, env: Mapping[str, str] | None = None, /, **params: Any) -> Fingerprint | None:
    """Fingerprint a correct run of `pair` with `params` leaves in `<orchestrator>.<pair>`, if any.

    `env` holds the lab's `.env` values; only pairs with `from_env` need it.
    """
    wanted = expectation(pair)
    if wanted.output is None:
        return None
    missing = sorted(key for key in wanted.from_env.values() if key not in (env or {}))
    if missing:
        raise LookupError(f"the expected output of {pair!r} needs {', '.join(missing)} from .env: "
                       f"start the lab once (`./lab up`) to generate them")
    settings = {arg: (env or {})[key] for arg, key in wanted.from_env.items()}
    return wanted.output(**params, **settings)
