"""Benchmark on Airflow 3: N light tasks one after another (Windmill's shape).

Twin of prefect_flows/bench_chain.py. A DAG's shape is fixed when its file is parsed, so the
runtime `length` becomes one mapped `step` per link, run one at a time
(`max_active_tis_per_dagrun=1`): each link is its own task instance, as in a static chain.
"""

from airflow.sdk import Param, dag, task

from shared_logic.bench import chain_links, light_step, load_chain


@task
def links(length: int) -> list[int]:
    return chain_links(length)


@task(max_active_tis_per_dagrun=1)
def step(link: int) -> int:
    return light_step(link)


@task
def load(values: list[int]) -> int:
    return load_chain(list(values), orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "bench", "bench_chain"],
    params={"length": Param(10, type="integer", minimum=1, maximum=1000)},
)
def bench_chain(length: int = 10):
    load(step.expand(link=links(length)))


bench_chain()
