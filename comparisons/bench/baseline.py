"""The physical limit: the same shared functions called in plain Python, in one process.

Overhead = orchestrated time − this. Each baseline calls the very functions the pair's tasks call,
loading into the warehouse schema `baseline`, so writing to PostgreSQL is part of the baseline as it
is part of every orchestrated run. The dsn is handed over as the orchestrators' processes get it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from shared_logic import bench, fanout, orders, payloads
from shared_logic.warehouse import BASELINE, DSN_ENV_VAR

__all__ = ["BASELINES", "time_baseline"]


def _etl_basic(n_rows: int = 500, seed: int = 42) -> None:
    orders.load_orders(orders.transform_orders(orders.extract_orders(n_rows, seed)), orchestrator=BASELINE)


def _bench_chain(length: int = 10) -> None:
    bench.load_chain([bench.light_step(link) for link in bench.chain_links(length)], orchestrator=BASELINE)


def _dynamic_fanout(n_items: int = 10) -> None:
    fanout.load_scores([fanout.score_item(item) for item in fanout.list_work_items(n_items)], orchestrator=BASELINE)


def _results_and_payloads(payload_kb: int = 64) -> None:
    received = payloads.payload_fingerprint(payloads.make_payload(payload_kb))
    payloads.load_payload_fingerprint(received, orchestrator=BASELINE)


#: pair -> plain-Python equivalent of one run with the pair's parameters.
BASELINES: dict[str, Callable[..., None]] = {
    "etl_basic": _etl_basic, "bench_chain": _bench_chain, "dynamic_fanout": _dynamic_fanout,
    "results_and_payloads": _results_and_payloads,
}


def time_baseline(pair: str, dsn: str, parameters: dict[str, Any], repeat: int = 5) -> list[float]:
    """Seconds per call, `repeat` times (after one untimed warm-up call)."""
    run = BASELINES[pair]
    os.environ[DSN_ENV_VAR] = dsn
    run(**parameters)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(**parameters)
        timings.append(time.perf_counter() - started)
    return timings
