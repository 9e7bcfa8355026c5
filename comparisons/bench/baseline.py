"""The physical limit: the same shared functions called in plain Python, in one process.

Overhead = orchestrated time − this. Loads go to the warehouse schema `baseline`, so the cost of
writing to PostgreSQL is part of the baseline as it is part of every orchestrated run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shared_logic import orders
from shared_logic.bench import CHAIN_COLUMNS, chain_links, chain_rows, light_step
from shared_logic.warehouse import load_rows

__all__ = ["BASELINES", "time_baseline"]


def _etl_basic(dsn: str, n_rows: int = 500, seed: int = 42) -> None:
    rows = orders.transform_orders(orders.extract_orders(n_rows, seed))
    load_rows(dsn, "baseline", "etl_basic", orders.ORDERS_COLUMNS, rows)


def _bench_chain(dsn: str, length: int = 10) -> None:
    values = [light_step(link) for link in chain_links(length)]
    load_rows(dsn, "baseline", "bench_chain", CHAIN_COLUMNS, chain_rows(values))


#: pair -> plain-Python equivalent of one run with the pair's parameters.
BASELINES: dict[str, Callable[..., None]] = {"etl_basic": _etl_basic, "bench_chain": _bench_chain}


def time_baseline(pair: str, dsn: str, parameters: dict[str, Any], repeat: int = 5) -> list[float]:
    """Seconds per call, `repeat` times (after one untimed warm-up call)."""
    run = BASELINES[pair]
    run(dsn, **parameters)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(dsn, **parameters)
        timings.append(time.perf_counter() - started)
    return timings
