"""Benchmark on Prefect 3: N light tasks one after another (Windmill's shape).

Twin of airflow_dags/bench_chain.py. Prefect builds the graph while the flow runs, so any length
is one deployment and the chain is a plain loop: each `step` call returns before the next starts,
and each task run is named `step_0 … step_<N-1>`, as Airflow's task ids are.
"""

from prefect import flow, task

from shared_logic.bench import chain_links, light_step, load_chain


@task(task_run_name="step_{link}")
def step(link: int) -> int:
    return light_step(link)


@task
def load(values: list[int]) -> int:
    return load_chain(values, orchestrator="prefect")


@flow(name="bench_chain")
def bench_chain(length: int = 10) -> int:
    return load([step(link) for link in chain_links(length)])
