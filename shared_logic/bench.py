"""Light work for the benchmark pairs: each step costs microseconds, so what is timed is orchestration.

`bench_chain` is Windmill's shape (N light tasks one after another); the plain-Python baseline of
the harness calls these same functions in one process.
"""

from __future__ import annotations

from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = ["CHAIN_COLUMNS", "CHAIN_LENGTHS", "DEFAULT_CHAIN_LENGTH", "chain_dag_id", "chain_links", "chain_rows",
           "expected_bench_chain", "light_step", "load_chain"]

CHAIN_COLUMNS: tuple[Column, ...] = (("link", "integer PRIMARY KEY"), ("value", "bigint NOT NULL"))
_MODULUS = 1_000_000_007
DEFAULT_CHAIN_LENGTH = 10
#: The lengths the benchmark sweeps. Airflow fixes a DAG's shape at parse time, so each is a DAG.
CHAIN_LENGTHS: tuple[int, ...] = (1, DEFAULT_CHAIN_LENGTH, 40)


def chain_dag_id(length: int) -> str:
    """Airflow's DAG of a chain length: `bench_chain` for the default, `bench_chain_<N>` otherwise."""
    if length not in CHAIN_LENGTHS:
        raise ValueError(f"Airflow has a bench_chain DAG for the lengths {CHAIN_LENGTHS}, not {length}: its shape "
                         f"is fixed when the file is parsed. Add {length} to CHAIN_LENGTHS in shared_logic/bench.py.")
    return "bench_chain" if length == DEFAULT_CHAIN_LENGTH else f"bench_chain_{length}"


def chain_links(length: int) -> list[int]:
    if not 1 <= length <= 1000:
        raise ValueError(f"length must be between 1 and 1000, got {length}")
    return list(range(length))


@measured
def light_step(link: int) -> int:
    """A few arithmetic operations: deterministic, and far cheaper than any hand-over."""
    value = link + 1
    for _ in range(100):
        value = (value * 31 + 7) % _MODULUS
    return value


def chain_rows(values: list[int]) -> list[dict]:
    return [{"link": link, "value": value} for link, value in enumerate(values)]


@measured
def load_chain(values: list[int], *, orchestrator: str) -> int:
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, "bench_chain", CHAIN_COLUMNS, chain_rows(values))


def expected_bench_chain(length: int = 10) -> Fingerprint:
    return fingerprint_rows(CHAIN_COLUMNS, chain_rows([light_step(link) for link in chain_links(length)]))
