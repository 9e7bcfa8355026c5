"""`./lab up --scale-out 2`: Airflow on the CeleryExecutor with Redis and two Celery workers, two
Prefect workers on the pool, and the pairs that cross workers equal on both; then `--hosts`, each
worker on a simulated host of its own, reaching the control plane over the lab's link.

The module changes the running stack's shape in place (Airflow restarts with the new executor, the
Prefect server keeps running). It runs after every other live test (tests/conftest.py): at the end
it stops the stack the tests started, as `./lab down` does, and a stack that was up before the
tests goes back to its own shape; either way no Redis, worker, link or namespace may be left. The
reference sessions run every pair on the scale-out stack and the link sweep (`./lab bench`); here,
the pairs whose data crosses from one worker to another.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator

import pytest

from comparisons.errors import ServiceStartError
from comparisons.pairs import resolve
from comparisons.runner import run_pairs
from comparisons.settings import LabSettings
from comparisons.stack import hosts, native
from comparisons.stack.services import REDIS_PORT

pytestmark = pytest.mark.live
WORKERS = 2
PAIRS = ["etl_basic", "parallel_files"]


def _say(line: str) -> None:
    print(line, file=sys.stderr)


@pytest.fixture(scope="module")
def scaled(stack: LabSettings, stack_is_ours: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabSettings]:
    """The running stack changed shape in place, as `./lab up --scale-out 2` does; at the end,
    `./lab down` (the tests' own stack: nothing runs after this module) or back to the default."""
    profile = native.current_profile(stack)
    server = native.running_pid(stack, "prefect-server")
    native.up(stack, profile=profile, scale_out=WORKERS, progress=_say)
    assert native.running_pid(stack, "prefect-server") == server, "Prefect's server kept running"
    scratch = tmp_path_factory.mktemp("scale-out")
    yield dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")
    if stack_is_ours:
        native.down(stack, progress=_say)
    else:
        native.up(stack, profile=profile, progress=_say)
    left = {pid: name for pid, name in native.lab_processes(stack).items()
            if name in ("redis", "link") or name.startswith(("airflow-worker", "prefect-worker-"))}
    assert not left, f"the scaled-out stack left processes behind: {left}"
    assert hosts.present() == ([], False), "the simulated hosts and their link are gone"


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


@pytest.fixture(scope="module")
def on_hosts(scaled: LabSettings) -> LabSettings:
    """The same stack with each worker moved to a simulated host, as `./lab up --scale-out 2 --hosts`
    does on the running stack: only the workers restart (a change of profile would restart every
    orchestrator service; which ones is checked in tests/unit/test_profiles.py)."""
    profile = native.current_profile(scaled)
    server = native.running_pid(scaled, "airflow-scheduler")
    native.up(scaled, profile=profile, scale_out=WORKERS, simulated_hosts=True, progress=_say)
    assert native.running_pid(scaled, "airflow-scheduler") == server, "the control plane kept running"
    hosts.set_delay(scaled.run_dir, 5)
    return scaled


def _in_namespace(space: str) -> set[int]:
    listed = subprocess.run(["ip", "netns", "pids", space], capture_output=True, text=True, check=True)
    return {int(pid) for pid in listed.stdout.split()}


def test_on_simulated_hosts_each_worker_talks_to_the_control_plane_over_the_link(on_hosts: LabSettings) -> None:
    for index in range(1, WORKERS + 1):
        space = hosts.namespace(index)
        inside = _in_namespace(space)
        workers = [f"airflow-worker-{index}", "prefect-worker" if index == 1 else f"prefect-worker-{index}"]
        assert all(native.running_pid(on_hosts, name) in inside for name in workers), (space, workers, inside)
        sockets = subprocess.run(["ip", "netns", "exec", space, "ss", "-tnH", "state", "established"],
                                 capture_output=True, text=True, check=True).stdout
        assert f"{hosts.LINK_ADDRESS}:{REDIS_PORT}" in sockets, sockets  # the Celery worker's broker connection
        assert "127.0.0.1" not in sockets, "nothing in a simulated host reaches the machine's loopback"
    assert all(row.healthy for row in native.status(on_hosts))


def test_on_simulated_hosts_the_pairs_stay_equal_with_the_link_s_delay(on_hosts: LabSettings) -> None:
    comparisons = run_pairs(on_hosts, resolve(on_hosts, ["etl_basic"]), {})
    assert [c.status for c in comparisons] == ["equal"], [c.errors for c in comparisons]
    worker_logs = "".join(on_hosts.log_file(f"airflow-worker-{i}").read_text(errors="replace")
                          for i in range(1, WORKERS + 1))
    assert comparisons[0].runs["airflow"].run_id in worker_logs, "a Celery worker on a simulated host ran it"
