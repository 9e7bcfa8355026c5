"""Lesson §7, advanced features: failure hooks, result storage and serializers, blocks and secrets."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from comparisons.inside.common.probe import Finding, misbehaves, runs
from comparisons.inside.prefect.drift.sandbox import SERVER, captured, prefect_cli


@functools.cache
def _failing_flow_with_hooks() -> str:
    """Run the lesson's failing flow once; what its hooks printed (both hook probes read it)."""
    from prefect import flow, task
    from prefect.states import Completed, Failed, State  # noqa: F401

    def custom_state_handler(task, task_run, state: State):
        if state.is_failed():
            print(f"Task {task.name} failed!")
        return state

    @task(on_failure=[custom_state_handler])
    def risky_task():
        raise ValueError("Something went wrong")

    @flow(on_failure=[lambda flow, flow_run, state: print("Flow failed!")])
    def my_flow():
        risky_task()

    SERVER.wait()
    with captured() as (printed, _):
        state = my_flow(return_state=True)
    if not state.is_failed():
        raise AssertionError(f"the lesson's failing flow ended {state.name}")
    return printed.getvalue()


def probe_task_failure_hook(sandbox: Path) -> Finding:
    printed = _failing_flow_with_hooks()
    if "Task risky_task failed!" not in printed:
        return misbehaves(f"the task's on_failure hook did not fire (printed {printed!r})")
    return runs("custom_state_handler(task, task_run, state) fired when risky_task failed")


def probe_flow_failure_hook(sandbox: Path) -> Finding:
    printed = _failing_flow_with_hooks()
    if "Flow failed!" not in printed:
        return misbehaves(f"the flow's on_failure hook did not fire (printed {printed!r})")
    return runs("the flow's on_failure lambda(flow, flow_run, state) fired")


def probe_s3_import(sandbox: Path) -> Finding:
    from prefect.filesystems import S3, LocalFileSystem  # noqa: F401

    return runs("both still importable")


def probe_local_file_system(sandbox: Path) -> Finding:
    from prefect import task
    from prefect.filesystems import LocalFileSystem

    @task(result_storage=LocalFileSystem(basepath=str(sandbox / "prefect")))  # the lesson's /tmp/prefect
    def save_locally():
        return {"data": [1, 2, 3]}

    return runs("an unsaved LocalFileSystem block is accepted as result_storage")


def probe_json_serializer(sandbox: Path) -> Finding:
    from prefect import flow, task
    from prefect.serializers import JSONSerializer

    @task(
        persist_result=True,
        result_serializer=JSONSerializer(),  # the lesson's S3 result_storage left out: see the S3 probe
    )
    def save_to_s3():
        return {"large": "data"}

    @flow
    def persist() -> Any:
        return save_to_s3(return_state=True)

    SERVER.wait()
    state = persist()
    stored = Path(state.data.metadata.storage_key)
    stored_value = json.loads(stored.read_text()).get("result")  # a result record: metadata + result
    if isinstance(stored_value, str):  # the serializer's output, embedded as a string
        stored_value = json.loads(stored_value)
    if stored_value != {"large": "data"}:
        return misbehaves(f"the stored result is {stored_value!r}, not the JSON of the return value")
    return runs("the result was written as readable JSON")


def probe_block_register(sandbox: Path) -> Finding:
    SERVER.wait()
    output = prefect_cli("block", "register", "-m", "prefect.blocks.system")
    return runs(" ".join(output.split()[:4]))


def probe_secret(sandbox: Path) -> Finding:
    from prefect import flow, task
    from prefect.blocks.system import Secret

    SERVER.wait()
    Secret(value="sk-lesson-0123").save("my-api-key")  # "Save secret as Block (via UI or CLI)"

    @task
    def use_secret():
        api_key = Secret.load("my-api-key").get()
        return f"Using key: {api_key[:4]}..."

    @flow
    def secret_flow() -> str:
        return use_secret()

    result = secret_flow()
    if result != "Using key: sk-l...":
        return misbehaves(f"the task returned {result!r}")
    return runs("a saved Secret block loaded by name inside a task")
