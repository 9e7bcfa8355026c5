"""How the lab finds its own processes: by tree and session, and by the marker every service passes on.

Prefect starts each flow run with setsid and a killed service's children are re-parented, so
neither the process tree nor the session alone finds everything `down`, the fault matrix and the
memory sampler must see. Real processes, no stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from comparisons.settings import LabSettings
from comparisons.stack.native import CHECKOUT_VAR, SERVICE_VAR, lab_processes, tree_members

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def escaped(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process in a session of its own, as a Prefect flow run is, carrying a service's marker."""
    process = subprocess.Popen(SLEEPER, start_new_session=True,
                               env={**os.environ, CHECKOUT_VAR: str(tmp_path), SERVICE_VAR: "prefect-worker"})
    time.sleep(0.2)
    yield process
    process.kill()
    process.wait()


def test_the_marker_finds_a_process_that_left_its_services_session(tmp_path: Path,
                                                                   escaped: subprocess.Popen[bytes]) -> None:
    lab = LabSettings(root=tmp_path, state=tmp_path / ".lab")
    assert lab_processes(lab) == {escaped.pid: "prefect-worker"}
    assert lab_processes(LabSettings(root=tmp_path / "other-checkout")) == {}, "another checkout's are not ours"


def test_the_tree_holds_children_in_their_own_session(escaped: subprocess.Popen[bytes]) -> None:
    members = tree_members({os.getpid(): "harness"})
    assert members[os.getpid()] == "harness"
    assert members[escaped.pid] == "harness", "a child with its own session is still a descendant"
    assert tree_members({escaped.pid: "worker"}) == {escaped.pid: "worker"}


def test_the_side_not_measured_is_paused_and_resumed_after(tmp_path: Path,
                                                         escaped: subprocess.Popen[bytes]) -> None:
    """Measuring Airflow pauses Prefect's processes (state T, no CPU); they run again afterwards."""
    from comparisons.stack.native import _process_state as _state
    from comparisons.stack.native import measuring_only

    lab = LabSettings(root=tmp_path, state=tmp_path / ".lab")
    with measuring_only(lab, "prefect") as paused:
        assert paused == 0 and _state(escaped.pid) != "T", "the side under test is never paused"
    with measuring_only(lab, "airflow") as paused:
        assert paused == 1
        assert _state(escaped.pid) == "T"
    assert _state(escaped.pid) != "T"


def test_which_side_goes_first_alternates_per_repetition() -> None:
    from comparisons.runner import alternate

    sides = ["airflow", "prefect"]
    assert [alternate(sides, r)[0] for r in (1, 2, 3, 4)] == ["airflow", "prefect", "airflow", "prefect"]  # type: ignore[arg-type]
