"""Each pair, run for real in-process inside each orchestrator's venv, leaves the right table.

"Right" means: the warehouse fingerprint of `<orchestrator>.<pair>` equals the
answer computed in plain Python (`shared_logic.expected`), so both orchestrators
are checked against the same orchestrator-free reference, not against each other.
Needs PostgreSQL (LAB_WAREHOUSE_DSN) and the orchestrators' venvs under .lab/venvs.

A pair whose run starts another pipeline when its data lands (`event_driven`) cannot be followed
in-process: `dag.test()` runs one DAG and never an asset-scheduled one, and Prefect's throw-away API
holds no deployment trigger. The runners run its producer, then its consumer, each in-process, and the
consumer's table is checked; the asset and event hand-over is checked live (tests/live).
A pair whose run alerts someone (`failure_alert`) is judged by its state here: its alert is sent by the
servers (Airflow's dag-processor, Prefect's automations service) and checked live.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from comparisons.inside import INPROCESS_MODULES
from comparisons.settings import LabSettings
from shared_logic import TableMissingError, expectation, expected_fingerprint, fingerprint
from tests.pipelines._pairs import REPO_ROOT, SIDES, discover_pairs

pytestmark = pytest.mark.pipeline

# Non-default parameters where a pair has them: a run that ignored its parameters and used the
# defaults would then leave the wrong table. Pairs not listed run with their defaults.
TEST_PARAMS: dict[str, dict[str, Any]] = {
    "etl_basic": {"n_rows": 300, "seed": 7},
    "concurrency_limits": {"n_items": 5, "hold_seconds": 0.5},
    "scheduled_daily": {"run_date": "2024-02-29"},  # the default (no date, manual run) is what `./lab run` uses
    "secrets_and_config": {"n_rows": 200, "seed": 7},
    "retries_backoff": {"seed": 13, "failure_rate": 0.6},  # fails once, then succeeds: one retry, short
    "caching": {"base_currency": "GBP"},
    "dynamic_fanout": {"n_items": 7},
    "parallel_files": {"folder": "/tmp/lab-parallel-files-test"},
    "conditional": {"n_rows": 1200, "seed": 7},  # the large branch; `./lab run conditional` takes the small one
    "subflows": {"n_rows": 40, "seed": 7},
    "results_and_payloads": {"payload_kb": 8},
    "parameters": {"n_rows": 300, "granularity": "week", "country": "DE"},
    "event_driven": {"n_rows": 250, "seed": 9},
}
RUN_TIMEOUT_S = 600
Batch = tuple[dict[str, dict[str, Any]], str]  # {pair: outcome}, and the explanation for failures
STDERR_TAIL_LINES = 60


@pytest.fixture
def dsn(warehouse_test_dsn: str) -> str:
    return warehouse_test_dsn


def _drop_output(dsn: str, schema: str, table: str) -> None:
    """Remove an earlier run's table, so a stale one can never make the test pass."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(schema, table)))
    finally:
        conn.close()


def _runner_env(dsn: str, lab_env: dict[str, str]) -> dict[str, str]:
    """The caller's environment minus orchestrator settings: the runners make throw-away homes.

    Plus the `.env` values the pair reads (a secret, a setting): each runner provisions them into
    its throw-away orchestrator as the stack does (a Connection, a Secret block, ...).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__", "PREFECT_"))}
    return env | lab_env | {"PYTHONPATH": str(REPO_ROOT), "LAB_WAREHOUSE_DSN": dsn}


def _tail(text: str, lines: int = STDERR_TAIL_LINES, width: int = 400) -> str:
    # Airflow logs every XCom value in full: cut long lines so the failure stays readable.
    return "\n".join(line[:width] for line in text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def inprocess(warehouse_test_dsn: str, lab_secrets: dict[str, str]) -> Callable[[str], Batch]:
    """Run every pair on one side in ONE process (the orchestrator starts once), cached per side.

    Returns {pair: outcome} and the command's explanation (stderr tail) for failure messages.
    """
    cache: dict[str, Batch] = {}
    pairs = discover_pairs()

    def run_side(side: str) -> Batch:
        if side not in cache:
            python = LabSettings.from_environment().venv_bin(side, "python")
            if not python.exists():
                pytest.fail(f"{python} is missing: install the {side} environment first (./lab setup)")
            for pair in pairs:
                _drop_output(warehouse_test_dsn, side, pair)
            params = {pair: TEST_PARAMS.get(pair, {}) for pair in pairs}
            # The `.env` values pairs read (a secret, a setting): each runner provisions them into its
            # throw-away orchestrator as the stack does (a Connection, a Secret block, ...).
            lab_env = {key: lab_secrets[key] for pair in pairs for key in expectation(pair).from_env.values()}
            command = [str(python), "-m", INPROCESS_MODULES[side], *pairs,
                       "--params-json", json.dumps(params)]
            proc = subprocess.run(command, cwd=REPO_ROOT, env=_runner_env(warehouse_test_dsn, lab_env),
                                  capture_output=True, text=True, timeout=RUN_TIMEOUT_S * len(pairs))
            explain = f"\n$ {' '.join(command)}\nexit {proc.returncode}\n--- stderr (tail) ---\n{_tail(proc.stderr)}"
            outcomes = {}
            for line in proc.stdout.splitlines():
                if line.startswith("{"):
                    outcome = json.loads(line)
                    outcomes[outcome["pair"]] = outcome
            cache[side] = (outcomes, explain)
        return cache[side]

    return run_side


@pytest.mark.parametrize("side", SIDES)
def test_inprocess_run_leaves_the_expected_table(
    side: str, pair: str, dsn: str, lab_secrets: dict[str, str],
    inprocess: Callable[[str], Batch],
) -> None:
    outcomes, explain = inprocess(side)
    assert pair in outcomes, f"the runner reported nothing for {pair}{explain}"
    result = outcomes[pair]
    params = TEST_PARAMS.get(pair, {})
    lab_env = {key: lab_secrets[key] for key in expectation(pair).from_env.values()}
    expected_state = expectation(pair).state
    assert result["state"] == expected_state, f"{result}{explain}"
    if downstream := expectation(pair).downstream:  # the consumer ran after its producer, both in-process
        assert result["ran"] == [pair, downstream], f"{result}{explain}"
    if expected_state == "success":  # a pair that exists to show a failure is judged by its state and output
        assert result["tasks"] and set(result["tasks"].values()) <= {"success", "skipped"}, f"{result}{explain}"
    if expectation(pair).output is None or expectation(pair).alerts:
        return

    try:
        actual = fingerprint(dsn, side, pair)
    except TableMissingError as exc:
        pytest.fail(f"{exc}{explain}")
    expected = expected_fingerprint(pair, lab_env, **params)
    assert actual == expected, f"{side}.{pair} differs from the plain-Python answer"



@pytest.mark.parametrize("side", SIDES)
def test_a_database_way_the_runners_do_not_know_is_refused_with_the_ways_they_do(side: str, dsn: str) -> None:
    python = LabSettings.from_environment().venv_bin(side, "python")
    env = _runner_env(dsn, {}) | {"LAB_INPROCESS_DATABASE": "sqlite-please"}
    proc = subprocess.run([str(python), "-m", INPROCESS_MODULES[side], "etl_basic"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "LAB_INPROCESS_DATABASE='sqlite-please': expected one of prepared, migrate, none" in proc.stderr
