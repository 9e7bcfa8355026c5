"""`./lab up --scale-out 2`: Airflow on the CeleryExecutor with Redis and two Celery workers, two
Prefect workers on the pool, and the pairs that cross workers equal on both.

The module changes the running stack's shape in place (Airflow restarts with the new executor, the
Prefect server keeps running) and at the end changes it back, so the live tests around it see the
stack they expect; going back must stop Redis and every worker. The reference
session runs every pair on the scale-out stack (`./lab bench`); here, the pairs whose data crosses
from one worker to another.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator

import pytest

from comparisons.errors import ServiceStartError
from comparisons.pairs import resolve
from comparisons.runner import run_pairs
from comparisons.settings import LabSettings
from comparisons.stack import native

pytestmark = pytest.mark.live
WORKERS = 2
PAIRS = ["etl_basic", "parallel_files"]


def _say(line: str) -> None:
    print(line, file=sys.stderr)


@pytest.fixture(scope="module")
def scaled(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabSettings]:
    """The running stack changed shape in place, as `./lab up --scale-out 2` does, and back at the end."""
    profile = native.current_profile(stack)
    server = native.running_pid(stack, "prefect-server")
    native.up(stack, profile=profile, scale_out=WORKERS, progress=_say)
    assert native.running_pid(stack, "prefect-server") == server, "Prefect's server kept running"
    scratch = tmp_path_factory.mktemp("scale-out")
    yield dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")
    native.up(stack, profile=profile, progress=_say)
    left = {pid: name for pid, name in native.lab_processes(stack).items()
            if name == "redis" or name.startswith(("airflow-worker", "prefect-worker-"))}
    assert not left, f"going back to the default stack left scale-out processes: {left}"


def test_status_shows_redis_and_every_worker_healthy(scaled: LabSettings) -> None:
    rows = {row.name: row for row in native.status(scaled)}
    expected = {"redis", "airflow-worker-1", "airflow-worker-2", "prefect-worker", "prefect-worker-2"}
    assert expected <= set(rows), sorted(rows)
    assert all(row.healthy for row in rows.values()), [r for r in rows.values() if not r.healthy]
    assert rows["redis"].url == "redis://127.0.0.1:6379"


def test_pairs_run_equal_and_every_airflow_task_runs_on_a_celery_worker(scaled: LabSettings) -> None:
    comparisons = run_pairs(scaled, resolve(scaled, PAIRS), {})
    worker_logs = "".join(scaled.log_file(f"airflow-worker-{i}").read_text(errors="replace")
                          for i in range(1, WORKERS + 1))
    for comparison in comparisons:
        assert comparison.status == "equal", (comparison.pair, comparison.errors)
        run = comparison.runs["airflow"]
        for task in run.tasks:  # the worker that ran it logged the workload: this run's task by name
            assert f"task_id='{task.name}'" in worker_logs and run.run_id in worker_logs, (comparison.pair, task)


def test_a_worker_that_cannot_reach_the_broker_is_named_with_its_log(scaled: LabSettings) -> None:
    native.stop_service(scaled, "redis")
    native.kill_service(scaled, "airflow-worker-2")
    try:
        with pytest.raises(ServiceStartError) as refused:
            native.start_service(scaled, "airflow-worker-2", progress=lambda line: None)
        message = str(refused.value)
        assert "cannot reach its broker redis://127.0.0.1:6379/0" in message, message
        assert str(scaled.log_file("airflow-worker-2")) in message
    finally:
        native.start_service(scaled, "redis", progress=lambda line: None)
        native.start_service(scaled, "airflow-worker-2", progress=lambda line: None)
    assert all(row.healthy for row in native.status(scaled))
