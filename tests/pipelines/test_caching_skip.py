"""The caching pair's Airflow side, run twice in-process: the second run skips the lookup.

Airflow has no task cache; the lab's idiom is the warehouse (a landing table stamped with the
time). This is the one part of the pattern the lab wrote itself, so it is checked end to end here.
Prefect's cache is Prefect's own feature: `./lab run caching --repeat 2` shows it on the real stack.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from comparisons.inside import INPROCESS_MODULES
from comparisons.settings import LabSettings
from shared_logic import expected_fingerprint, fingerprint
from tests.pipelines._pairs import REPO_ROOT

RUN_TIMEOUT_S = 600

pytestmark = pytest.mark.pipeline


def _drop_cache_and_output(dsn: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS airflow.caching, airflow.caching_landing")
    finally:
        conn.close()


def _run_airflow(dsn: str, base_currency: str) -> dict:
    python = LabSettings.from_environment().venv_bin("airflow", "python")
    if not python.exists():
        pytest.skip(f"{python} is missing: install the airflow environment first (./lab setup)")
    command = [str(python), "-m", INPROCESS_MODULES["airflow"], "caching",
               "--param", f"base_currency={json.dumps(base_currency)}"]
    # Without AIRFLOW_* the runner makes a throw-away Airflow home; the warehouse is the test one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_")}
    env |= {"PYTHONPATH": str(REPO_ROOT), "LAB_WAREHOUSE_DSN": dsn}
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    lines = proc.stdout.strip().splitlines()
    assert lines, f"the runner printed nothing; its stderr ends:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1])


def test_a_second_run_within_the_hour_skips_the_lookup(warehouse_test_dsn: str) -> None:
    _drop_cache_and_output(warehouse_test_dsn)
    first = _run_airflow(warehouse_test_dsn, "SEK")
    assert first["tasks"] == {"expensive_lookup": "success", "load": "success"}, first
    second = _run_airflow(warehouse_test_dsn, "SEK")
    assert second["tasks"] == {"expensive_lookup": "skipped", "load": "success"}, second
    assert fingerprint(warehouse_test_dsn, "airflow", "caching") == expected_fingerprint("caching",
                                                                                       base_currency="SEK")
