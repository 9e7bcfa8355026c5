"""Every pair of the catalogue through the harness on the real servers, as `./lab run PAIR` does.

Outputs equal on both sides and equal to the plain-Python answer — or, for the pairs that exist to
show a failure, the same expected terminal state on both.
"""

from __future__ import annotations

import dataclasses

import pytest

from comparisons.pairs import discover, resolve
from comparisons.runner import run_pairs
from comparisons.settings import LabSettings
from shared_logic import expectation

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    scratch = tmp_path_factory.mktemp("catalogue")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")


@pytest.mark.parametrize("pair", [p.name for p in discover(LabSettings.from_environment())])
def test_pair_runs_equal_on_both_orchestrators(lab: LabSettings, pair: str) -> None:
    (comparison,) = run_pairs(lab, resolve(lab, [pair]), {})
    assert comparison.status == "equal", f"{comparison.status}: {comparison.errors} {comparison.outputs}"
    for run in comparison.runs.values():
        assert run.state == expectation(pair).state, run
