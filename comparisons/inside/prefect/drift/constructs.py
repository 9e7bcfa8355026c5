"""The lesson, construct by construct: where the lesson has it, its probe, and its current form.

`CONSTRUCTS` is the order the probes run in, hence the order of the printed records.
"""

from __future__ import annotations

from typing import Any

from comparisons.inside.common.probe import Construct
from comparisons.inside.prefect.drift.probes_advanced import (
    probe_block_register,
    probe_flow_failure_hook,
    probe_json_serializer,
    probe_local_file_system,
    probe_s3_import,
    probe_secret,
    probe_task_failure_hook,
)
from comparisons.inside.prefect.drift.probes_deploy import (
    probe_build_from_flow,
    probe_cron_schedule,
    probe_deploy,
    probe_init,
    probe_none_default_parameter,
    probe_work_pool_docker_k8s,
    probe_work_pool_process,
    probe_worker_start,
    probe_yaml_null_parameter,
    probe_yaml_schedule_key,
)
from comparisons.inside.prefect.drift.probes_dynamic import (
    probe_conditional,
    probe_dynamic_tasks,
    probe_subflows,
    probe_submit,
)
from comparisons.inside.prefect.drift.probes_flows import (
    probe_basic_flow,
    probe_concurrent_task_runner,
    probe_exponential_backoff,
    probe_flow_options,
    probe_sequential_task_runner,
    probe_task_options,
    probe_timeout,
    probe_zero_arg_cache_key_fn,
)
from comparisons.inside.prefect.drift.probes_start import (
    probe_cloud_login,
    probe_config_set,
    probe_extras,
    probe_server_start,
    probe_version,
)


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
      "work_pool default-agent-pool)", probe_deploy,
      "create the pool first: prefect work-pool create default-agent-pool --type process "
      "(Prefect 2 servers made it for agents)", "scheduled_daily"),
    c("prefect.yaml.null_parameter", "5.2", "prefect.yaml parameters: {date: null} for date: str = None",
      probe_yaml_null_parameter, "date: str | None = None in the flow", "parameters"),
    c("prefect.yaml.schedule", "5.2", 'prefect.yaml schedule: {cron: "0 6 * * *"}', probe_yaml_schedule_key,
      'schedules: [{cron: "0 6 * * *"}] (a list, the documented key)', "scheduled_daily"),
    c("prefect.cli.init", "5.2", "prefect init", probe_init, UNCHANGED, None),
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
