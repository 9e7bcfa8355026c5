"""The seed lesson's Prefect constructs, each tried for real on the installed Prefect; one JSON line each.

Run inside Prefect's venv, from the repo root::

    PYTHONPATH=. .lab/venvs/prefect/bin/python -m comparisons.inside.prefect.drift

Each probe runs the lesson's snippet nearly verbatim (a path under the sandbox instead of /tmp/prefect,
a 0.5 s timeout instead of an hour) and checks that it does what the lesson says. Everything happens in
a throw-away PREFECT_HOME: the caller's PREFECT_* settings are dropped, so nothing reaches the lab's
server. Imports and decorations need no server; flow runs, blocks, work pools and deployments share one
ephemeral server, started in the background at the start (10-15 s, far longer on a loaded host) from the
migrated template DB the in-process runner keeps. Logs and the lesson's prints go to stderr.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import importlib.metadata
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from comparisons.inside.common.inprocess import claim_stdout
from comparisons.inside.common.probe import (
    CommandFailed,
    Construct,
    Finding,
    ProbeBroken,
    misbehaves,
    not_run,
    probe_all,
    runs,
)
from comparisons.inside.prefect.flow_call import _isolated_env, _template_db

ORCHESTRATOR = "prefect"


# --- the sandbox: one throw-away home, one ephemeral server -------------------------------------------

class _EphemeralServer:
    """Prefect's throw-away API, started in a thread while the server-free probes run."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        from prefect.server.api.server import SubprocessASGIServer

        def start_server() -> None:
            try:
                SubprocessASGIServer().start()
            except BaseException as exc:  # reported by wait(), in the main thread
                self._error = exc

        self._thread = threading.Thread(target=start_server, name="ephemeral-prefect", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Block until the server answers; a server that never does stops the whole run."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise ProbeBroken(f"Prefect's ephemeral server did not start: {self._error!r} (its output is on stderr)")


SERVER = _EphemeralServer()


def _isolate(home: Path) -> None:
    """Point Prefect at `home` before it is imported (it reads its settings once, at import)."""
    shutil.copyfile(_template_db(), home / "prefect.db")
    isolated = _isolated_env(home)
    os.environ.clear()
    os.environ.update(isolated)


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [record.getMessage() for record in self.records]


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, _Captured]]:
    """The lesson's print() output and Prefect's log records, while the block runs."""
    printed, logs = io.StringIO(), _Captured()
    logger = logging.getLogger("prefect")
    logger.addHandler(logs)
    try:
        with contextlib.redirect_stdout(printed):
            yield printed, logs
    finally:
        logger.removeHandler(logs)


def _prefect(*tokens: str) -> str:
    """Run `prefect <tokens>` in this process, through the console script's entry point.

    Returns its output; a non-zero exit raises CommandFailed with the command's own error (for an
    exception, the last line of the traceback it prints).
    """
    from prefect.cli import app

    out, err = io.StringIO(), io.StringIO()
    argv, code = sys.argv, 0
    sys.argv = ["prefect", *tokens]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            app()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv = argv
    sys.stderr.write(out.getvalue() + err.getvalue())
    if code:
        error = _command_error(out.getvalue(), err.getvalue())
        raise CommandFailed(f"`prefect {' '.join(tokens)}` exits {code}: {error}")
    return out.getvalue()


def _command_error(out: str, err: str) -> str:
    """The useful line of a failed command: the server's validation message, else the exception, else
    the command's first line of output."""
    exceptions = [line for line in err.splitlines() if re.match(r"^[\w.]+(Error|Exception): ", line)]
    if exceptions:
        last = exceptions[-1]
        message = re.search(r"""'msg': ["'](.+?)["'], 'input'""", last)
        kind = last.split(":", 1)[0].rsplit(".", 1)[-1]
        return f"{kind}: {message.group(1)}" if message else last
    return " ".join(out.split())


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)


def _help_lists(command: str, *options: str) -> str:
    """`prefect <command> --help` succeeds and lists each option the lesson passes."""
    text = _prefect(*command.split(), "--help")
    missing = [option for option in options if option not in text]
    if missing:
        raise CommandFailed(f"`prefect {command}` no longer has {', '.join(missing)}")
    return f"`prefect {command}` exists" + (f" with {', '.join(options)}" if options else "")


# --- 2. installation and getting started --------------------------------------------------------------

def probe_extras(sandbox: Path) -> Finding:
    declared = set(importlib.metadata.metadata("prefect").get_all("Provides-Extra") or [])
    missing = sorted({"aws", "gcp", "dask"} - declared)
    if missing:
        raise LookupError(f"prefect {importlib.metadata.version('prefect')} no longer declares the extras {missing}")
    return not_run("prefect still declares the extras aws, gcp and dask (they install prefect-aws, "
                   "prefect-gcp, prefect-dask); not installed here")


def probe_version(sandbox: Path) -> Finding:
    return runs(" ".join(_prefect("version").splitlines()[0].split()))


def probe_cloud_login(sandbox: Path) -> Finding:
    return not_run(_help_lists("cloud login", "--key") + "; not run: it needs a Prefect Cloud account")


def probe_config_set(sandbox: Path) -> Finding:
    profiles = sandbox / "profiles.toml"
    before = profiles.read_text() if profiles.exists() else None
    try:
        _prefect("config", "set", "PREFECT_API_URL=http://localhost:4200/api")
        written = profiles.read_text() if profiles.exists() else ""
    finally:  # the lab's real server must never become this sandbox's API
        if before is None:
            profiles.unlink(missing_ok=True)
        else:
            profiles.write_text(before)
    if "http://localhost:4200/api" not in written:
        return misbehaves("the command succeeded but the profile does not hold PREFECT_API_URL")
    return runs("the active profile now holds PREFECT_API_URL")


def probe_server_start(sandbox: Path) -> Finding:
    return not_run(_help_lists("server start") + "; not run here: the lab's server is `./lab up`")


# --- 3. flows and tasks ---------------------------------------------------------------------------------

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
    with _captured() as (printed, logs):
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
    with _captured() as (_, logs):
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
    with _captured() as (_, logs):
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


# --- 4. dynamic workflows -------------------------------------------------------------------------------

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
    with _captured() as (printed, _):
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
    with _captured() as (printed, _):
        main_pipeline()
    if "Total processed: 15" not in printed.getvalue():
        return misbehaves(f"the parent flow printed {printed.getvalue()!r}")
    return runs("three child flow runs returned their counts to the parent (15)")


# --- 5. deployment --------------------------------------------------------------------------------------

def probe_build_from_flow(sandbox: Path) -> Finding:
    from prefect import flow
    from prefect.deployments import Deployment
    from prefect.server.schemas.schedules import CronSchedule

    @flow
    def my_etl_flow(date: str = None):
        from datetime import datetime
        date = date or datetime.now().strftime("%Y-%m-%d")
        print(f"Running ETL for {date}")

    deployment = Deployment.build_from_flow(
        flow=my_etl_flow,
        name="daily-etl",
        version="1.0",
        tags=["production", "etl"],
        schedule=CronSchedule(cron="0 6 * * *"),
        parameters={"date": None},
        work_pool_name="default-agent-pool",
    )
    deployment.apply()
    return runs("Deployment.build_from_flow(...).apply() registered the deployment")


def probe_cron_schedule(sandbox: Path) -> Finding:
    from prefect.server.schemas.schedules import CronSchedule

    schedule = CronSchedule(cron="0 6 * * *")
    (next_run,) = asyncio.run(schedule.get_dates(n=1))
    if (next_run.hour, next_run.minute) != (6, 0):
        return misbehaves(f"next run at {next_run.isoformat()}, not 06:00")
    return runs(f"importable; next run {next_run.isoformat()}")


def probe_none_default_parameter(sandbox: Path) -> Finding:
    from prefect import flow

    @flow
    def my_etl_flow(date: str = None):
        from datetime import datetime
        date = date or datetime.now().strftime("%Y-%m-%d")
        print(f"Running ETL for {date}")

    # What a run of the deployment with parameters={"date": None} does first.
    my_etl_flow.validate_parameters({"date": None})
    return runs("parameters={'date': None} validate against `date: str = None`")


LESSON_PREFECT_YAML = """\
# prefect.yaml example
name: my-project
prefect-version: 2.14.0

deployments:
  - name: daily-etl
    entrypoint: flows/etl.py:my_etl_flow
    work_pool:
      name: default-agent-pool
    schedule:
      cron: "0 6 * * *"
    parameters:
      date: null
    tags:
      - production
      - etl
"""

LESSON_ETL_FLOW = '''\
from prefect import flow

@flow
def my_etl_flow(date: str = None):
    """Daily ETL flow"""
    from datetime import datetime
    date = date or datetime.now().strftime("%Y-%m-%d")
    print(f"Running ETL for {date}")
'''


def _lesson_project(folder: Path, prefect_yaml: str) -> Path:
    (folder / "flows").mkdir(parents=True, exist_ok=True)
    (folder / "prefect.yaml").write_text(prefect_yaml)
    (folder / "flows" / "etl.py").write_text(LESSON_ETL_FLOW)
    return folder


def _ensure_pool(name: str) -> None:
    """Setup for a probe, not a finding: a pool the lesson's yaml names."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    SERVER.wait()
    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def probe_prefect_init(sandbox: Path) -> Finding:
    SERVER.wait()
    with _inside(sandbox / "init-project") as folder:
        _prefect("init")
    if not (folder / "prefect.yaml").is_file():
        return misbehaves("`prefect init` succeeded but wrote no prefect.yaml")
    return runs("wrote prefect.yaml")


def probe_prefect_deploy(sandbox: Path) -> Finding:
    SERVER.wait()
    with _inside(_lesson_project(sandbox / "deploy-verbatim", LESSON_PREFECT_YAML)):
        _prefect("deploy", "--name", "daily-etl")
    return runs("the lesson's prefect.yaml deployed as written")


def probe_yaml_null_parameter(sandbox: Path) -> Finding:
    _ensure_pool("default-agent-pool")
    with _inside(_lesson_project(sandbox / "deploy-with-pool", LESSON_PREFECT_YAML)):
        _prefect("deploy", "--name", "daily-etl")
    return runs("`date: null` accepted for `date: str = None`")


def probe_yaml_schedule_key(sandbox: Path) -> Finding:
    from prefect import get_client

    _ensure_pool("default-agent-pool")
    # Only `parameters: date: null` removed (its own probe above), so this deploy can succeed.
    without_null = LESSON_PREFECT_YAML.replace("    parameters:\n      date: null\n", "")
    with _inside(_lesson_project(sandbox / "deploy-schedule", without_null)):
        output = _prefect("deploy", "--name", "daily-etl")
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("my-etl-flow/daily-etl")
    crons = [getattr(s.schedule, "cron", None) for s in deployment.schedules]
    if crons != ["0 6 * * *"]:
        return misbehaves(f"deployed, but with schedules {crons} instead of cron 0 6 * * *")
    warned = " (with a deprecation notice)" if "deprecat" in output.lower() else ""
    return runs(f"the singular `schedule:` became the deployment's cron 0 6 * * *{warned}; "
                "`prefect-version: 2.14.0` is not checked")


def probe_work_pool_process(sandbox: Path) -> Finding:
    SERVER.wait()
    _prefect("work-pool", "create", "my-pool", "--type", "process")
    return runs("created a process pool")


def probe_work_pool_docker_k8s(sandbox: Path) -> Finding:
    SERVER.wait()
    _prefect("work-pool", "create", "docker-pool", "--type", "docker")
    _prefect("work-pool", "create", "k8s-pool", "--type", "kubernetes")
    return runs("created both pools (their workers need prefect-docker / prefect-kubernetes)")


def probe_worker_start(sandbox: Path) -> Finding:
    return not_run(_help_lists("worker start", "--pool") + "; not run here: the lab's worker is `./lab up`")


# --- 7. advanced features -------------------------------------------------------------------------------

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
    with _captured() as (printed, _):
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
    output = _prefect("block", "register", "-m", "prefect.blocks.system")
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


# --- the lesson, construct by construct -----------------------------------------------------------------

def c(ident: str, section: str, construct: str, probe: Any, replacement: str, pair: str | None) -> Construct:
    return Construct(id=ident, construct=construct, section=section, replacement=replacement, pair=pair,
                     probe=probe)


UNCHANGED = "unchanged"

# In the order they run: server-free probes first (the ephemeral server starts meanwhile), then the ones
# with flow runs, then the CLI commands (each re-configures Prefect's logging), `config set` last.
CONSTRUCTS = [
    c("prefect.extras", "2.1", 'pip install "prefect[aws]" / "prefect[gcp]" / "prefect[dask]"', probe_extras,
      UNCHANGED, None),
    c("prefect.task_options", "3.2", "@task(name=…, tags=…, retries=3, retry_delay_seconds=60, "
      "timeout_seconds=3600, log_prints=True)", probe_task_options, UNCHANGED, "retries_backoff"),
    c("prefect.exponential_backoff", "3.2", "retry_delay_seconds=exponential_backoff(backoff_factor=10)",
      probe_exponential_backoff, UNCHANGED, "retries_backoff"),
    c("prefect.ConcurrentTaskRunner", "3.3", "task_runner=ConcurrentTaskRunner()", probe_concurrent_task_runner,
      "ThreadPoolTaskRunner(max_workers=…) — also the default", "parallel_files"),
    c("prefect.SequentialTaskRunner", "3.3",
      "from prefect.task_runners import ConcurrentTaskRunner, SequentialTaskRunner",
      probe_sequential_task_runner,
      "no sequential runner: call tasks directly (no .submit()) to run them one by one, or "
      "ThreadPoolTaskRunner(max_workers=1); a concurrency limit guards a shared resource", "concurrency_limits"),
    c("prefect.Deployment.build_from_flow", "5.1",
      "from prefect.deployments import Deployment; Deployment.build_from_flow(…).apply()",
      probe_build_from_flow,
      'my_etl_flow.deploy(name="daily-etl", work_pool_name=…, cron="0 6 * * *"), flow.serve(…), '
      "or prefect.yaml + prefect deploy", "scheduled_daily"),
    c("prefect.CronSchedule", "5.1", 'from prefect.server.schemas.schedules import CronSchedule; '
      'CronSchedule(cron="0 6 * * *")', probe_cron_schedule,
      'from prefect.schedules import Cron; schedules=[Cron("0 6 * * *")] (or cron="0 6 * * *")',
      "scheduled_daily"),
    c("prefect.none_default_parameter", "5.1", 'def my_etl_flow(date: str = None) with parameters={"date": None}',
      probe_none_default_parameter, "date: str | None = None", "parameters"),
    c("prefect.s3_filesystem", "7.2", "from prefect.filesystems import S3, LocalFileSystem", probe_s3_import,
      'from prefect_aws import S3Bucket (pip install prefect-aws); a saved S3Bucket block as result_storage',
      "results_and_payloads"),
    c("prefect.unsaved_result_storage", "7.2", '@task(result_storage=LocalFileSystem(basepath="/tmp/prefect"))',
      probe_local_file_system,
      'LocalFileSystem(basepath=…).save("results"), then result_storage="local-file-system/results"; '
      "or set PREFECT_LOCAL_STORAGE_PATH", "results_and_payloads"),
    c("prefect.basic_flow", "3.1", '@flow(name="ETL Pipeline") calling three @task functions, get_run_logger()',
      probe_basic_flow, UNCHANGED, "etl_basic"),
    c("prefect.zero_arg_cache_key_fn", "3.2",
      'cache_key_fn=lambda: "static_key", cache_expiration=timedelta(hours=1)', probe_zero_arg_cache_key_fn,
      'cache_key_fn=lambda context, parameters: "static_key" (or cache_policy=INPUTS)', "caching"),
    c("prefect.task_timeout", "3.2", "@task(timeout_seconds=3600)", probe_timeout, UNCHANGED, "timeouts"),
    c("prefect.flow_options", "3.3", "@flow(version=…, retries=2, retry_delay_seconds=300, timeout_seconds=7200, "
      "task_runner=ConcurrentTaskRunner(), log_prints=True, persist_result=True)", probe_flow_options,
      "unchanged (ThreadPoolTaskRunner is the runner's current name)", "retries_backoff"),
    c("prefect.dynamic_tasks", "4.1", "a task called in a for loop over a flow parameter", probe_dynamic_tasks,
      UNCHANGED, "dynamic_fanout"),
    c("prefect.submit", "4.1", "process_item.submit(item) … [f.result() for f in futures]", probe_submit,
      "unchanged (or process_item.map(items))", "parallel_files"),
    c("prefect.conditional", "4.2", "if check_condition(data): … else: …", probe_conditional, UNCHANGED,
      "conditional"),
    c("prefect.subflows", "4.3", "@flow calling another @flow three times", probe_subflows, UNCHANGED, "subflows"),
    c("prefect.task_on_failure", "7.1", "@task(on_failure=[custom_state_handler(task, task_run, state)])",
      probe_task_failure_hook, "unchanged (the hook's return value is ignored)", "failure_hooks"),
    c("prefect.flow_on_failure", "7.1", "@flow(on_failure=[lambda flow, flow_run, state: …])",
      probe_flow_failure_hook, UNCHANGED, "failure_hooks"),
    c("prefect.json_serializer", "7.2", "@task(persist_result=True, result_serializer=JSONSerializer())",
      probe_json_serializer, 'unchanged (or result_serializer="json")', "results_and_payloads"),
    c("prefect.secret_block", "7.3", 'Secret.load("my-api-key").get()', probe_secret, UNCHANGED,
      "secrets_and_config"),
    c("prefect.cli.version", "2.1", "prefect version", probe_version, UNCHANGED, None),
    c("prefect.cli.cloud_login", "2.2", "prefect cloud login [--key YOUR_API_KEY]", probe_cloud_login,
      UNCHANGED, None),
    c("prefect.cli.server_start", "2.3", "prefect server start", probe_server_start,
      "unchanged (the lab: ./lab up)", None),
    c("prefect.cli.deploy", "5.2", "prefect deploy --name daily-etl (the lesson's prefect.yaml, "
      "work_pool default-agent-pool)", probe_prefect_deploy,
      "create the pool first: prefect work-pool create default-agent-pool --type process "
      "(Prefect 2 servers made it for agents)", "scheduled_daily"),
    c("prefect.yaml.null_parameter", "5.2", "prefect.yaml parameters: {date: null} for date: str = None",
      probe_yaml_null_parameter, "date: str | None = None in the flow", "parameters"),
    c("prefect.yaml.schedule", "5.2", 'prefect.yaml schedule: {cron: "0 6 * * *"}', probe_yaml_schedule_key,
      'schedules: [{cron: "0 6 * * *"}] (a list, the documented key)', "scheduled_daily"),
    c("prefect.cli.init", "5.2", "prefect init", probe_prefect_init, UNCHANGED, None),
    c("prefect.cli.work_pool_process", "5.3", "prefect work-pool create my-pool --type process",
      probe_work_pool_process, UNCHANGED, "scheduled_daily"),
    c("prefect.cli.work_pool_docker_k8s", "5.3", "prefect work-pool create … --type docker / --type kubernetes",
      probe_work_pool_docker_k8s, UNCHANGED, None),
    c("prefect.cli.worker_start", "5.3", "prefect worker start --pool my-pool", probe_worker_start,
      "unchanged (the lab: ./lab up)", None),
    c("prefect.cli.block_register", "7.3", "prefect block register -m prefect.blocks.system",
      probe_block_register, "unchanged (built-in blocks are registered at server start)", "secrets_and_config"),
    c("prefect.cli.config_set", "2.2", 'prefect config set PREFECT_API_URL="http://localhost:4200/api"',
      probe_config_set, UNCHANGED, None),
]


def main() -> int:
    out = claim_stdout()
    sandbox = Path(tempfile.mkdtemp(prefix="lab-drift-prefect-"))
    # Registered before Prefect registers its server's stop: atexit runs last-in first-out.
    atexit.register(shutil.rmtree, sandbox, ignore_errors=True)
    _isolate(sandbox)
    version = importlib.metadata.version("prefect")
    import prefect  # noqa: F401  (import cost paid here, not by the first probe)

    SERVER.start()
    try:
        probe_all(CONSTRUCTS, ORCHESTRATOR, version, sandbox, out)
    except ProbeBroken as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
