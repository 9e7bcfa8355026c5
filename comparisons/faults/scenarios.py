"""The fault matrix as data: what each scenario breaks, in which pair, and what a good outcome is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from comparisons.errors import UnknownScenarioError

__all__ = ["QUICK", "SCENARIOS", "Injection", "Scenario", "resolve"]

Injection = Literal["kill-task", "kill-worker", "restart-api", "restart-postgres", "kill-one-worker", "stop-redis",
                    "burst", "none"]

#: The service each side's injection hits: the executor that runs tasks, and the API server.
WORKER = {"airflow": "airflow-scheduler", "prefect": "prefect-worker"}
API_SERVER = {"airflow": "airflow-apiserver", "prefect": "prefect-server"}


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    pair: str
    injection: Injection
    parameters: dict[str, Any] = field(default_factory=dict)
    during_task: str = "load"
    """Inject once this task has been running for `delay_s` (a pair without it: its first task); for
    a fault raised inside the pipeline, the task whose first start the time to detect counts from."""
    delay_s: float = 3.0
    expected_state: Literal["success", "failed"] = "success"
    """The state a run should end in if the orchestrator copes (a hang must end failed)."""
    timeout_s: float = 240.0
    """How long to wait for a verdict before the run is declared stuck and cancelled."""
    scale_out: int = 0
    """The stack's shape it needs: 0 the default stack, N workers a side (`./lab up --scale-out N`)."""
    sides: tuple[str, ...] = ("airflow", "prefect")
    """The orchestrators it applies to (Redis is Airflow's broker only)."""


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("kill-task", "the process running a task is SIGKILLed mid-load", "slow_load", "kill-task",
             {"seconds": 20}),
    Scenario("kill-worker", "the executor (Airflow scheduler + LocalExecutor; Prefect worker) is SIGKILLed "
             "mid-run with everything it started, then restarted", "slow_load", "kill-worker", {"seconds": 20},
             timeout_s=420.0),
    Scenario("restart-api", "the API server is restarted mid-run (tasks report through it)", "slow_load",
             "restart-api", {"seconds": 20}),
    Scenario("restart-postgres", "PostgreSQL (metadata and warehouse) is restarted mid-load", "slow_load",
             "restart-postgres", {"seconds": 20}),
    Scenario("flaky", "the extract fails a seeded 70 % of its attempts; retries must reach the same rows",
             "retries_backoff", "none", {"failure_rate": 0.7, "seed": 3}, during_task="extract"),
    Scenario("hang", "a task runs 30 s against a 2 s budget: the timeout must fire", "timeouts", "none",
             during_task="slow_query", expected_state="failed"),
    Scenario("burst", "many runs triggered at once: every one accounted for, none lost or duplicated",
             "etl_basic", "burst"),
    # Scaled out (docs/scale-out.md): one of several workers dies as its host would, with the work on it.
    Scenario("kill-one-worker", "with 2 workers a side, the worker running the load (a Celery worker; a Prefect "
             "worker and its flow-run process) is SIGKILLed with everything it started and stays down: the other "
             "worker is still there", "slow_load", "kill-one-worker", {"seconds": 20}, timeout_s=480.0,
             scale_out=2),
    Scenario("stop-redis", "with 2 Celery workers, Redis (Airflow's broker) is stopped for 10 s, then started "
             "again, empty, while a chain of 40 tasks is being queued through it one by one; Prefect has no broker "
             "to stop (its one server process keeps its messaging in memory)", "bench_chain", "stop-redis",
             {"length": 40}, during_task="step_0", delay_s=0.5, timeout_s=720.0, scale_out=2, sides=("airflow",)),
)}

#: The subset CI runs: each ends within a minute and disturbs no service.
QUICK = ("kill-task", "flaky", "hang", "burst")


def resolve(names: list[str]) -> list[Scenario]:
    """Scenario names (or `all`, `quick`) to scenarios, with a clear error for an unknown one."""
    chosen: list[Scenario] = []
    for name in names:
        if name == "all":
            chosen += SCENARIOS.values()
        elif name == "quick":
            chosen += [SCENARIOS[n] for n in QUICK]
        elif name in SCENARIOS:
            chosen.append(SCENARIOS[name])
        else:
            raise UnknownScenarioError(
                f"no fault scenario {name!r}. Scenarios: {', '.join(SCENARIOS)}; or `all`, or `quick` "
                f"({', '.join(QUICK)}). See `./lab fault --help`.")
    unique = list({s.name: s for s in chosen}.values())
    return sorted(unique, key=lambda s: s.scale_out)  # stable: each shape's scenarios together, the default first
