"""The three profiles: stock sets nothing, robust is tuned plus dead-work detection, and each fact is said once."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from comparisons.settings import LabSettings
from comparisons.stack import native
from comparisons.stack.native import current_profile, native_placement
from comparisons.stack.services import (
    DEFAULT_PROFILE,
    PROFILE_SETTINGS,
    PROFILES,
    SERVICES,
    profile_settings,
    service_environment,
)
from tests.unit.test_pipeline_settings import VALUES

ROOT = Path(__file__).resolve().parents[2]
DEAD_WORK = {"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT",
             "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL",
             "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL",
             "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"}


def test_stock_sets_nothing_and_robust_is_tuned_plus_dead_work_detection() -> None:
    assert profile_settings("stock") == {}
    tuned, robust = profile_settings("tuned"), profile_settings("robust")
    assert tuned.items() <= robust.items()
    assert set(robust) - set(tuned) == DEAD_WORK
    assert DEFAULT_PROFILE == "tuned" and set(PROFILES) == {"stock", "tuned", "robust"}


def test_each_side_gets_only_its_own_settings_under_the_profile_it_runs() -> None:
    placement = native_placement(LabSettings.from_environment())
    for svc in SERVICES:
        env = service_environment(svc, placement, VALUES, profile="robust")
        if svc.side == "lab":  # the lab's own services (the alert receiver) have no profile to follow
            assert not any(setting.variable in env for setting in PROFILE_SETTINGS), svc.name
            continue
        assert env["LAB_PROFILE"] == "robust"
        own = "AIRFLOW__" if svc.side == "airflow" else "PREFECT_"
        for setting in PROFILE_SETTINGS:
            moved = setting.values["robust"] != setting.values["stock"]
            assert (env.get(setting.variable) == setting.values["robust"]) == (
                moved and setting.variable.startswith(own)), (svc.name, setting.variable)


def test_the_zombie_automation_waits_for_two_missed_heartbeats_of_the_profile_it_belongs_to() -> None:
    frequency = {s.variable: s.values for s in PROFILE_SETTINGS}["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"]
    files = sorted((ROOT / "config" / "automations").glob("*.json"))
    assert files, "config/automations/ holds the automations the deploy job creates"
    for path in files:
        spec = json.loads(path.read_text())
        assert set(spec["profiles"]) <= set(PROFILES), path.name
        trigger = spec["automation"]["trigger"]
        if "prefect.flow-run.heartbeat" in trigger.get("after", []):
            for profile in spec["profiles"]:
                assert trigger["within"] >= 2 * int(frequency[profile]), (
                    f"{path.name}: {trigger['within']} s is less than two heartbeats under {profile}: "
                    "it would crash healthy runs")


def test_the_running_stack_s_profile_is_read_back_and_an_unknown_one_is_the_default(tmp_path: Path) -> None:
    settings = LabSettings(root=ROOT, state=tmp_path / "state")
    settings.run_dir.mkdir(parents=True)
    for written, read in (("robust\n", "robust"), ("stock\n", "stock"), ("bogus\n", DEFAULT_PROFILE)):
        (settings.run_dir / "profile").write_text(written)
        assert current_profile(settings) == read


def test_up_restarts_the_running_orchestrator_services_started_under_another_profile(tmp_path: Path) -> None:
    """What `./lab up --profile robust` stops on a running tuned stack, read from the pid files."""
    settings = LabSettings(root=ROOT, state=tmp_path / "state")
    settings.run_dir.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "60"])  # stands for every running service: alive, with a start time
    try:
        alive = f"{sleeper.pid} {native._proc_start_time(sleeper.pid)}"
        pid_files = {
            "airflow-scheduler": f"{alive} tuned",
            "airflow-apiserver": alive,  # written before pid files named a profile: restart to be sure
            "prefect-worker-2": f"{alive} robust",  # already under the profile asked for
            "airflow-worker-1": f"{sleeper.pid} 1 tuned",  # that pid's start time differs: not running
            "redis": f"{alive} tuned",  # a Debian program reads no profile
            "alert-receiver": f"{alive} tuned",  # the lab's own service has none either
        }
        for name, text in pid_files.items():
            (settings.run_dir / f"{name}.pid").write_text(text + "\n")
        restarted = native.started_under_another(settings, native.stack_services(2, False), "robust")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(restarted) == ["airflow-apiserver", "airflow-scheduler"]
