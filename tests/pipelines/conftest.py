"""Every test here that takes a `pair` argument runs once per pipeline pair found on disk.

Adding `airflow_dags/<name>.py` and `prefect_flows/<name>.py` is enough for the
parity and in-process tests to cover a new pair.
"""

from __future__ import annotations

import pytest

from tests.pipelines._pairs import AIRFLOW_DAGS, PREFECT_FLOWS, discover_pairs


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pair" in metafunc.fixturenames:
        pairs = discover_pairs()
        assert pairs, f"no pipeline pairs found in {AIRFLOW_DAGS} and {PREFECT_FLOWS}"
        metafunc.parametrize("pair", pairs)
