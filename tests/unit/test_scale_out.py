"""Scale-out: `./lab up --scale-out N` and docker/scale-out.yml start the same services with the same settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from comparisons.errors import SetupError
from comparisons.settings import LabSettings
from comparisons.stack import compose, native
from comparisons.stack.services import REPO_ROOT as ROOT
from comparisons.stack.services import SCALE_OUT_MAX, SCALE_OUT_SERVICES, service, service_environment


def test_native_scale_out_starts_redis_before_airflow_and_n_workers_per_side() -> None:
    names = [svc.name for svc in native.stack_services(3)]
    assert names.index("redis") < names.index("airflow-init")
    assert [n for n in names if n.startswith("airflow-worker")] == [f"airflow-worker-{i}" for i in (1, 2, 3)]
    assert [n for n in names if n.startswith("prefect-worker")] == ["prefect-worker", "prefect-worker-2",
                                                                    "prefect-worker-3"]
    assert [svc.name for svc in native.stack_services(0)] == [svc.name for svc in native.SERVICES]


def test_each_native_worker_has_its_own_name_so_each_is_checked_by_itself() -> None:
    workers = [svc for svc in native.stack_services(2) if svc.kind in ("airflow-worker", "prefect-worker")]
    names = [svc.command[svc.command.index(flag) + 1] for svc in workers
             for flag in ("--celery-hostname", "--name") if flag in svc.command]
    assert names == ["celery@airflow-worker-1", "celery@airflow-worker-2", "prefect-worker-2"]


def test_every_airflow_service_runs_the_celery_executor_when_scaled_out(lab_secrets: dict[str, str]) -> None:
    placement = native.native_placement(LabSettings.from_environment())
    for svc in native.stack_services(2):
        env = service_environment(svc, placement, lab_secrets, scale_out=True)
        if svc.side == "airflow" and svc.kind != "redis":
            assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", svc.name
            assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/0"
        plain = service_environment(svc, placement, lab_secrets) if svc.kind != "airflow-worker" else {}
        assert plain.get("AIRFLOW__CORE__EXECUTOR") in (None, "LocalExecutor")
    worker = service_environment(service("airflow-worker"), placement, lab_secrets)
    assert "LAB_WAREHOUSE_DSN" in worker and "AIRFLOW_CONN_LAB_PARTNER" in worker, "the tasks run here"


def test_the_compose_scale_out_file_is_generated_from_the_same_definition() -> None:
    scaled = compose.scale_out_document()["services"]
    redis, worker = SCALE_OUT_SERVICES
    assert scaled["redis"]["command"] == list(redis.command)
    assert scaled["airflow-worker"]["command"] == list(worker.command)
    assert scaled["airflow-worker"]["healthcheck"]["test"] == ["CMD-SHELL", worker.health.shell.replace("$", "$$")]
    assert scaled["redis"]["healthcheck"]["test"] == ["CMD-SHELL", redis.health.shell]
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        assert scaled[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert scaled[name]["environment"]["AIRFLOW__CELERY__RESULT_BACKEND_CMD"].endswith(
            "/airflow/AIRFLOW__CELERY__RESULT_BACKEND")
    assert compose.secret_templates()["airflow/AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")


@pytest.mark.parametrize("bad", ["0", "-1", str(SCALE_OUT_MAX + 1), "two"])
def test_a_worker_count_outside_the_range_is_refused_with_the_range(bad: str) -> None:
    result = subprocess.run([sys.executable, "-m", "comparisons", "up", "--scale-out", bad],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 2
    assert "--scale-out" in result.stderr
    assert f"1 to {SCALE_OUT_MAX}" in result.stderr or "whole number" in result.stderr
    with pytest.raises(SetupError, match=f"1 to {SCALE_OUT_MAX}"):
        native.stack_services(SCALE_OUT_MAX + 1)


def test_redis_missing_natively_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native.shutil, "which", lambda program: None)
    with pytest.raises(SetupError, match=r"apt-get install -y redis-server"):
        native._argv(LabSettings.from_environment(), SCALE_OUT_SERVICES[0])


def test_the_scale_out_plan_measures_each_shape_and_every_pair_once_on_two_workers() -> None:
    from comparisons.bench.plan import CATALOGUE_SHAPE, plan

    pairs = ["etl_basic", "dynamic_fanout", "caching"]
    steps = plan("scale-out", pairs)
    shapes = [s.workers for s in steps]
    assert [w for i, w in enumerate(shapes) if i == 0 or shapes[i - 1] != w] == [0, 4, 2, 1], "one restart a shape"
    assert {s.workers for s in steps} == {0, 1, 2, 4}
    assert {s.key for s in steps if s.size == 1000} == {f"fanout-1000-w{w}-rep{r}" for w in (0, 4) for r in (1, 2, 3)}
    bursts = [s for s in steps if s.kind == "concurrent"]
    assert {s.sides for s in bursts if s.workers == 0} == {("airflow",)}, "Prefect's default stack is 1 worker"
    assert {s.pair for s in steps if s.workload == "pair" and not s.warmup} == set(pairs)
    assert {s.workers for s in steps if s.workload == "pair" and not s.warmup} == {CATALOGUE_SHAPE}
    assert len({s.key for s in steps}) == len(steps)


def _scale_session(lab: LabSettings, session: str = "so1") -> None:
    import dataclasses

    from comparisons.store.bench import BenchRecord, write_bench
    from comparisons.store.comparison import write
    from tests.unit.fixtures import comparison

    idle = {"airflow": {"processes": 40, "pss_mib": 1300.0}, "prefect": {"processes": 2, "pss_mib": 260.0}}
    write_bench(lab.results, BenchRecord("setup", session, "setup", {
        "seconds_to_healthy": {"airflow-apiserver": 10.0, "prefect-server": 8.0}, "idle": idle, "install": {},
        "restarted": True, "plan": {"name": "scale-out", "steps": []}}))
    write_bench(lab.results, BenchRecord("shape", session, "shape-w2", {
        "workers": 2, "seconds_to_healthy": {"redis": 0.5, "airflow-worker-1": 9.0, "prefect-worker-2": 2.0},
        "idle": idle, "caps": {"airflow": [["[celery] worker_concurrency", "16", "per worker"]]}}))
    for workers in (0, 2):
        for rep, offset in enumerate((0.0, 10.0), start=1):
            labels = {"bench_session": session, "key": f"fanout-10-w{workers}-rep{rep}", "workload": "fanout",
                      "size": 10, "workers": workers}
            write(lab.results, dataclasses.replace(comparison(offset=offset), labels=labels))
    write(lab.results, dataclasses.replace(comparison(), labels={
        "bench_session": session, "key": "pair-etl_basic-w2-rep1", "workload": "pair", "size": 0, "workers": 2}))


def test_the_scale_out_report_puts_each_shape_in_its_own_column_and_leaves_the_headline_alone(
        tmp_path: Path) -> None:
    from comparisons.report.bench_section import load_view
    from comparisons.report.scale_out_section import header, rows, start_rows

    lab = LabSettings(root=ROOT, state=tmp_path / "state", results=tmp_path / "results",
                      reports=tmp_path / "reports", env_file=tmp_path / ".env")
    _scale_session(lab)
    (view,) = load_view(lab)
    assert view.plan == "scale-out"
    assert header(view) == ["workload", "side", "default stack", "2 a side"]
    table = rows(view)
    assert table[0] == ["fan-out of 10, trigger → done", "airflow", "4.00 s [4.00–4.00] (n=2)",
                        "4.00 s [4.00–4.00] (n=2)"]
    assert ["2 Celery workers", "airflow", "9.5 s", "40", "1300 MiB"] in start_rows(view)
    from comparisons.report.bench_section import bench_markdown

    text = bench_markdown(view, [], "the reference machine")
    assert text.startswith("## Scale-out") and "1/1 equal" in text and "worker_concurrency = 16" in text


def test_publishing_a_scale_out_session_keeps_the_full_sweep_of_its_profile(tmp_path: Path) -> None:
    import dataclasses

    from comparisons.publish import publish_session, published
    from comparisons.report.bench_section import load_view
    from comparisons.store.bench import BenchRecord, write_bench
    from comparisons.store.comparison import write
    from tests.unit.fixtures import comparison

    lab = LabSettings(root=tmp_path, state=tmp_path / "state", results=tmp_path / "results",
                      reports=tmp_path / "reports", env_file=tmp_path / ".env")
    write_bench(lab.results, BenchRecord("setup", "full1", "setup", {"plan": {"name": "full", "steps": []}}))
    write(lab.results, dataclasses.replace(comparison(), labels={"bench_session": "full1", "workload": "pair"}))
    _scale_session(lab)
    for session in ("full1", "so1"):
        publish_session(lab, session, progress=lambda _: None)
    assert sorted(v.plan for v in load_view(published(lab))) == ["full", "scale-out"]
