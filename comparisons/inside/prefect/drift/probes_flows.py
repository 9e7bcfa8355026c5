"""Lesson §3, flows and tasks: the basic flow, the task and flow options, caching, timeouts, task runners."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from comparisons.inside.common.probe import Finding, misbehaves, runs
from comparisons.inside.prefect.drift.sandbox import SERVER, captured


def probe_basic_flow(sandbox: Path) -> Finding:
    from prefect import flow, task
    from prefect.logging import get_run_logger

    @task
    def extract_data(source: str) -> dict:
        logger = get_run_logger()
        logger.info(f"Extracting from {source}")
        data = {"source": source, "records": [1, 2, 3, 4, 5]}
        return data

    @task
    def transform_data(data: dict) -> dict:
        logger = get_run_logger()
        logger.info(f"Transforming {len(data['records'])} records")
        data["records"] = [x * 2 for x in data["records"]]
        data["transformed"] = True
        return data

    @task
    def load_data(data: dict, destination: str) -> bool:
        logger = get_run_logger()
        logger.info(f"Loading to {destination}")
        print(f"Loaded data: {data}")
        return True

    @flow(name="ETL Pipeline")
    def etl_pipeline(source: str = "database", destination: str = "warehouse"):
        raw_data = extract_data(source)
        transformed = transform_data(raw_data)
        result = load_data(transformed, destination)
        return result

    SERVER.wait()
    with captured() as (printed, logs):
        result = etl_pipeline()
    loaded = "Loaded data: {'source': 'database', 'records': [2, 4, 6, 8, 10], 'transformed': True}"
    if result is not True or loaded not in printed.getvalue():
        return misbehaves(f"flow returned {result!r}; printed {printed.getvalue()!r}")
    if "Loading to warehouse" not in logs.messages():
        return misbehaves("get_run_logger() messages did not reach the run's log")
    return runs("3 tasks ran in data order; get_run_logger() logged to the task runs")


def _lesson_my_task() -> Any:
    from datetime import timedelta

    from prefect import task

    @task(
        name="My Task",
        description="Task description",
        tags=["etl", "production"],
        retries=3,
        retry_delay_seconds=60,
        timeout_seconds=3600,
        cache_key_fn=lambda: "static_key",
        cache_expiration=timedelta(hours=1),
        log_prints=True,
    )
    def my_task(param: str) -> str:
        print(f"Processing: {param}")
        return f"Result: {param}"

    return my_task


def probe_task_options(sandbox: Path) -> Finding:
    from prefect import flow

    my_task = _lesson_my_task()

    @flow
    def options_flow() -> str:
        return my_task("lesson")

    settings = (my_task.name, my_task.retries, my_task.retry_delay_seconds, my_task.timeout_seconds,
                sorted(my_task.tags))
    if settings != ("My Task", 3, 60, 3600, ["etl", "production"]):
        return misbehaves(f"the task keeps (name, retries, delay, timeout, tags) = {settings}")
    SERVER.wait()
    with captured() as (_, logs):
        result = options_flow()
    if result != "Result: lesson":
        return misbehaves(f"the task returned {result!r}")
    if "Processing: lesson" not in logs.messages():
        return misbehaves("log_prints=True: the task's print() did not reach its log")
    return runs("name, tags, retries=3, retry_delay_seconds=60, timeout_seconds=3600 kept; "
                "log_prints sent print() to the task's log")


def probe_zero_arg_cache_key_fn(sandbox: Path) -> Finding:
    from prefect import flow

    my_task = _lesson_my_task()

    @flow
    def twice() -> tuple[Any, Any]:
        return my_task("same", return_state=True), my_task("same", return_state=True)

    SERVER.wait()
    with captured() as (_, logs):
        first, second = twice()
    if second.name == "Cached":
        return runs("the second call with the same key returned the first's cached result")
    errors = [r for r in logs.records if r.exc_info and r.exc_info[0] is not None]
    logged = "; nothing logged"
    if errors:
        # "<lambda>() takes 0 …", as in the lesson's module, not "_lesson_my_task.<locals>.<lambda>() …"
        error = re.sub(r"\w+\.<locals>\.", "", str(errors[0].exc_info[1]))
        logged = f"; Prefect logs '{errors[0].getMessage()}' with {errors[0].exc_info[0].__name__}: {error}"
    return misbehaves(f"the task runs again on every call (second call {second.name}, not Cached), "
                      f"so nothing is cached{logged}")


def probe_timeout(sandbox: Path) -> Finding:
    from prefect import flow, task

    @task(timeout_seconds=0.5)  # the lesson's 3600 s, scaled down to be observable
    def slow() -> str:
        time.sleep(2)
        return "finished"

    ended: dict[str, Any] = {}

    @flow
    def timeout_flow() -> None:
        ended["state"] = slow(return_state=True)  # returned, it would fail the flow and raise here

    SERVER.wait()
    timeout_flow()
    state = ended["state"]
    if state.name != "TimedOut":
        return misbehaves(f"a 2 s task with timeout_seconds=0.5 ended {state.name}")
    return runs("a 2 s task with timeout_seconds=0.5 ended TimedOut")


def probe_exponential_backoff(sandbox: Path) -> Finding:
    from prefect import task
    from prefect.tasks import exponential_backoff

    @task(
        retries=5,
        retry_delay_seconds=exponential_backoff(backoff_factor=10),
    )
    def flaky_task():
        import random
        if random.random() < 0.7:
            raise Exception("Random failure")
        return "Success"

    delays = flaky_task.retry_delay_seconds
    if delays != [10, 20, 40, 80, 160]:
        return misbehaves(f"retry delays are {delays}, not the lesson's 10, 20, 40, 80, 160 s")
    return runs("retry delays are 10, 20, 40, 80, 160 s, as the lesson says")


def probe_concurrent_task_runner(sandbox: Path) -> Finding:
    from prefect.task_runners import ConcurrentTaskRunner, ThreadPoolTaskRunner

    if ConcurrentTaskRunner is ThreadPoolTaskRunner:
        return runs("an alias of ThreadPoolTaskRunner now (no warning)")
    return runs("importable")


def probe_sequential_task_runner(sandbox: Path) -> Finding:
    from prefect import flow
    from prefect.task_runners import ConcurrentTaskRunner, SequentialTaskRunner  # noqa: F401

    @flow(task_runner=SequentialTaskRunner())
    def sequential_flow():
        pass

    return runs("SequentialTaskRunner still exists")


def probe_flow_options(sandbox: Path) -> Finding:
    from prefect import flow
    from prefect.task_runners import ConcurrentTaskRunner

    @flow(
        name="My Flow",
        description="Flow description",
        version="1.0.0",
        retries=2,
        retry_delay_seconds=300,
        timeout_seconds=7200,
        task_runner=ConcurrentTaskRunner(),
        log_prints=True,
        persist_result=True,
    )
    def my_flow():
        pass

    SERVER.wait()
    state = my_flow(return_state=True)
    if not state.is_completed():
        return misbehaves(f"the flow ended {state.name}: {state.message}")
    return runs("a flow with all nine options ran to Completed")
