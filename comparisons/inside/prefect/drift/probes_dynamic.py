"""Lesson §4, dynamic workflows: a task in a loop, `.submit()` and its futures, a branch, subflows."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from comparisons.inside.common.probe import Finding, misbehaves, runs
from comparisons.inside.prefect.drift.sandbox import SERVER, captured


@functools.cache
def _process_item() -> Any:
    from prefect import task

    @task
    def process_item(item: str) -> str:
        return f"Processed: {item}"

    return process_item


def probe_dynamic_tasks(sandbox: Path) -> Finding:
    from prefect import flow

    process_item = _process_item()

    @flow
    def dynamic_tasks_flow(items: list[str]):
        results = []
        for item in items:
            result = process_item(item)
            results.append(result)
        return results

    SERVER.wait()
    results = dynamic_tasks_flow(["a", "b", "c", "d"])
    if results != ["Processed: a", "Processed: b", "Processed: c", "Processed: d"]:
        return misbehaves(f"the flow returned {results!r}")
    return runs("one task run per item, decided at run time")


def probe_submit(sandbox: Path) -> Finding:
    from prefect import flow

    process_item = _process_item()

    @flow
    def parallel_tasks_flow(items: list[str]):
        futures = []
        for item in items:
            future = process_item.submit(item)
            futures.append(future)
        results = [f.result() for f in futures]
        return results

    SERVER.wait()
    results = parallel_tasks_flow(["a", "b", "c", "d"])
    if results != ["Processed: a", "Processed: b", "Processed: c", "Processed: d"]:
        return misbehaves(f"the flow returned {results!r}")
    return runs(".submit() returned futures; .result() gathered them in order")


def probe_conditional(sandbox: Path) -> Finding:
    from prefect import flow, task

    @task
    def check_condition(data: dict) -> bool:
        return data.get("count", 0) > 100

    @task
    def process_large(data: dict):
        print(f"Processing large dataset: {data['count']} records")

    @task
    def process_small(data: dict):
        print(f"Processing small dataset: {data['count']} records")

    @flow
    def conditional_flow(data: dict):
        is_large = check_condition(data)
        if is_large:
            process_large(data)
        else:
            process_small(data)

    SERVER.wait()
    with captured() as (printed, _):
        conditional_flow({"count": 150})
        conditional_flow({"count": 50})
    expected = "Processing large dataset: 150 records\nProcessing small dataset: 50 records\n"
    if printed.getvalue() != expected:
        return misbehaves(f"the branches printed {printed.getvalue()!r}")
    return runs("a task's return value drove a plain `if`: 150 → process_large, 50 → process_small")


def probe_subflows(sandbox: Path) -> Finding:
    from prefect import flow, task

    @task
    def extract(source: str) -> list:
        return [1, 2, 3, 4, 5]

    @task
    def transform(data: list) -> list:
        return [x * 2 for x in data]

    @task
    def load(data: list, target: str):
        print(f"Loading {len(data)} records to {target}")

    @flow(name="ETL Subflow")
    def etl_subflow(source: str, target: str):
        data = extract(source)
        transformed = transform(data)
        load(transformed, target)
        return len(transformed)

    @flow(name="Main Pipeline")
    def main_pipeline():
        count_a = etl_subflow("source_a", "target_a")
        count_b = etl_subflow("source_b", "target_b")
        count_c = etl_subflow("source_c", "target_c")
        print(f"Total processed: {count_a + count_b + count_c}")

    SERVER.wait()
    with captured() as (printed, _):
        main_pipeline()
    if "Total processed: 15" not in printed.getvalue():
        return misbehaves(f"the parent flow printed {printed.getvalue()!r}")
    return runs("three child flow runs returned their counts to the parent (15)")
