"""Benchmark on Prefect 3: N light tasks one after another (Windmill's shape).

Twin of airflow_dags/bench_chain.py. Prefect builds the graph while the flow runs, so the chain is a
plain loop: each `step` call returns before the next starts.
"""

from prefect import flow, task

from shared_logic.bench import chain_links, light_step, load_chain


@task
def links(length: int) -> list[int]:
    return chain_links(length)


@task
def step(link: int) -> int:
    return light_step(link)


@task
def load(values: list[int]) -> int:
    return load_chain(values, orchestrator="prefect")


@flow(name="bench_chain")
def bench_chain(length: int = 10) -> int:
    return load([step(link) for link in links(length)])
