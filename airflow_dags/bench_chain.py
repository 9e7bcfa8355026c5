"""Benchmark on Airflow 3: N light tasks one after another (Windmill's shape).

Twin of prefect_flows/bench_chain.py. A DAG's shape is fixed when its file is parsed, so each
length is a DAG of its own, built in a loop: `bench_chain` (10 tasks), `bench_chain_1`,
`bench_chain_40`. Each link is a distinct task, `step_0 >> step_1 >> … >> load`; `length` is
shown as a parameter that can only take the DAG's own value.
"""

from airflow.sdk import DAG, Param, chain, dag, task

from shared_logic.bench import CHAIN_LENGTHS, chain_dag_id, chain_links, light_step, load_chain


@task
def step(link: int) -> int:
    return light_step(link)


@task
def load(values: list[int]) -> int:
    return load_chain(list(values), orchestrator="airflow")


def bench_chain(length: int = 10) -> DAG:
    """The DAG of one chain length (Airflow registers every DAG a file creates)."""

    @dag(dag_id=chain_dag_id(length), schedule=None, catchup=False, tags=["lab", "bench", "bench_chain"],
         params={"length": Param(length, type="integer", enum=[length],
                                 description=f"fixed when the file is parsed; other lengths: {CHAIN_LENGTHS}")})
    def links() -> None:
        steps = [step.override(task_id=f"step_{link}")(link) for link in chain_links(length)]
        chain(*steps)
        load(steps)

    return links()


for length in CHAIN_LENGTHS:
    bench_chain(length)
