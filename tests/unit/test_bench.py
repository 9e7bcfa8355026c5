"""The benchmark's plan, records, authoring counts and report section, with no server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from comparisons.authoring import authoring_cost
from comparisons.bench.plan import PROFILES, SERVED, plan
from comparisons.bench.sweep import LOCAL_DATABASES, _done_keys
from comparisons.pairs import discover
from comparisons.publish import publish_session, published
from comparisons.report.bench_section import load_view, scaling_rows, served_rows, setup_rows, throughput_rows
from comparisons.report.build import build_report
from comparisons.report.claims import claims
from comparisons.settings import LabSettings
from comparisons.store.bench import BenchRecord, load_bench, write_bench
from comparisons.store.comparison import load_comparisons, write
from tests.unit.fixtures import comparison, run


@pytest.fixture
def lab(tmp_path: Path) -> LabSettings:
    root = Path(__file__).resolve().parents[2]
    return LabSettings(root=root, state=tmp_path / "state", results=tmp_path / "results",
                       reports=tmp_path / "reports", env_file=tmp_path / ".env")


def test_the_full_plan_warms_up_once_per_pair_then_repeats_every_size() -> None:
    full = PROFILES["full"]
    steps = plan("full", ["etl_basic", "bench_chain", "caching", "timeouts"])
    chain = [s for s in steps if s.workload == "chain"]
    assert [s.size for s in chain if s.warmup] == [full.sizes["chain"][0]], "one warm-up, before the first size"
    for size in full.sizes["chain"]:
        timed = [s for s in chain if s.size == size and not s.warmup]
        assert len(timed) == full.repetitions("chain", size) >= 2
        assert all(s.parameters == {"length": size} for s in timed)
    assert len({s.key for s in steps}) == len(steps), "keys identify steps for resuming"
    assert "pair-caching-rep1" in {s.key for s in steps}
    assert any(s.workload == "pair" and s.pair == "etl_basic" for s in steps)


def test_repeat_overrides_the_profile_but_the_costliest_sizes_keep_their_cap() -> None:
    steps = plan("full", ["dynamic_fanout", "bench_chain"], repeat=7)
    assert len([s for s in steps if s.key.startswith("chain-1-rep")]) == 7
    assert len([s for s in steps if s.key.startswith("fanout-1000-rep")]) == PROFILES["full"].fewer[("fanout", 1000)]


def test_each_served_pair_warms_up_then_runs_both_paths_its_repetitions() -> None:
    for profile in ("quick", "full"):
        steps = [s for s in plan(profile, ["etl_basic", "bench_chain"]) if s.kind == "served"]
        for pair, parameters, size in SERVED:
            mine = [s for s in steps if s.pair == pair]
            assert [s.warmup for s in mine] == [True] + [False] * PROFILES[profile].served_repeat, (profile, pair)
            assert all(s.parameters == parameters and s.size == size for s in mine)
        assert f"served-bench_chain-40-rep{PROFILES[profile].served_repeat}" in {s.key for s in steps}
    assert not [s for s in plan("full", ["caching"]) if s.kind == "served"], "a missing pair is left out"


def test_the_served_table_sets_the_worker_against_prefect_serve_and_counts_only_equal_runs(lab: LabSettings) -> None:
    write_bench(lab.results, _setup_record())

    def served(rep: int, worker_end: float, serve_end: float, *, serve_equal: bool = True,
               warmup: bool = False) -> BenchRecord:
        runs = {"worker": run("prefect", start=2.0, end=worker_end, tasks=[("extract", 2.5, 3.0)]),
                "serve": run("prefect", start=0.5, end=serve_end, tasks=[("extract", 1.0, 1.5)])}
        return BenchRecord("served", "s1", f"served-etl_basic-0-rep{rep}", {
            "pair": "etl_basic", "size": 0, "parameters": {}, "warmup": warmup, "order": ["worker", "serve"],
            "runs": {path: r.to_json() for path, r in runs.items()}, "equal": {"worker": True, "serve": serve_equal}})

    for record in (served(0, 99.0, 99.0, warmup=True), served(1, 4.0, 2.0), served(2, 4.0, 2.0),
                   served(3, 4.0, 60.0, serve_equal=False)):
        write_bench(lab.results, record)
    (view,) = load_view(lab)
    worker, serve = served_rows(view)
    assert worker[:5] == ["etl_basic", "0", "worker (process pool)", "4.00 s [4.00–4.00] (n=3)",
                          "2.00 s [2.00–2.00] (n=3)"] and worker[-1] == "3/3"
    assert serve[:5] == ["etl_basic", "0", "`prefect.serve`", "2.00 s [2.00–2.00] (n=2)",
                         "0.50 s [0.50–0.50] (n=2)"] and serve[-1] == "2/3", "the run that was not equal is left out"
    _, md_path = build_report(lab)
    assert "Prefect's two execution paths" in md_path.read_text()


def test_the_quick_plan_skips_the_catalogue_and_missing_pairs() -> None:
    steps = plan("quick", ["etl_basic", "bench_chain"])
    assert not any(s.workload == "pair" for s in steps)
    assert not any(s.pair == "dynamic_fanout" for s in steps), "a workload whose pair is absent is left out"


def test_authoring_cost_counts_code_not_docstrings_or_comments(tmp_path: Path) -> None:
    source = tmp_path / "flow.py"
    source.write_text('"""Doc\nstring."""\n\n# comment\nfrom prefect import flow, task\nimport os\n\n\n'
                      '@task(retries=2, retry_delay_seconds=5)\ndef a():\n    """Doc."""\n    return 1\n\n\n'
                      '@flow\ndef f():\n    a() >> a()\n')
    cost = authoring_cost(source)
    assert (cost.code_lines, cost.imports, cost.orchestrator_imports) == (8, 2, 1)
    assert (cost.decorators, cost.config_keywords, cost.rshift_dependencies) == (2, 2, 1)


def test_a_resumed_session_skips_recorded_steps_but_retries_failed_ones(lab: LabSettings) -> None:
    write_bench(lab.results, BenchRecord("memory", "s1", "chain-10-rep1", {}))
    write_bench(lab.results, BenchRecord("error", "s1", "chain-10-rep2-1", {}, error="server down"))
    write(lab.results, dataclasses.replace(comparison(), labels={"bench_session": "s1", "key": "pair-0-rep1"}))
    assert _done_keys(lab, "s1") == {"chain-10-rep1", "pair-0-rep1"}
    assert _done_keys(lab, "other") == set()
    with pytest.raises(FileExistsError):
        write_bench(lab.results, BenchRecord("memory", "s1", "chain-10-rep1", {}))
    assert len(load_bench(lab.results)[0]) == 2


def _setup_record() -> BenchRecord:
    return BenchRecord("setup", "s1", "setup", {
        "seconds_to_healthy": {"airflow-apiserver": 10.0, "airflow-scheduler": 5.0, "prefect-server": 8.0},
        "idle": {"airflow": {"processes": 40, "pss_mib": 1300.0}, "prefect": {"processes": 2, "pss_mib": 260.0}},
        "install": {"airflow": {"packages": 135, "size_mib": 275.0, "install_warm_cache_s": 6.0},
                    "prefect": {"packages": 107, "size_mib": 223.0, "install_warm_cache_s": 5.0}},
        "restarted": True})


def test_bench_section_reports_setup_scaling_and_baseline(lab: LabSettings) -> None:
    write_bench(lab.results, _setup_record())
    write_bench(lab.results, BenchRecord("baseline", "s1", "baseline-etl_basic",
                                         {"pair": "etl_basic", "seconds": {"10": [0.5, 0.6]}}))
    for rep, offset in enumerate((0.0, 10.0), start=1):
        labels = {"bench_session": "s1", "key": f"chain-10-rep{rep}", "workload": "chain", "size": 10}
        write(lab.results, dataclasses.replace(comparison(offset=offset), labels=labels))
    (view,) = load_view(lab)
    assert setup_rows(view)[0][:5] == ["airflow", "135", "275 MiB", "6.0 s", "15.0 s"]
    rows, series = scaling_rows(view, "chain")
    # No pipeline-code timing in these records: overhead is "—", never guessed from task timestamps.
    assert rows == [["10", "4.00 s [4.00–4.00] (n=2)", "—", "3.45 s", "4.10 s [4.10–4.10] (n=2)", "—", "3.55 s",
                     "0.55 s [0.50–0.60] (n=2)"]]
    assert series["baseline"] == [(10, 0.55, 0.5, 0.6)]
    html_path, md_path = build_report(lab)
    page = html_path.read_text()
    assert "Benchmark, your machine — tuned profile" in page and "Sequential chain of light tasks" in page
    assert "The lesson's claims" in md_path.read_text()


def test_claims_are_computed_from_code_and_records(lab: LabSettings) -> None:
    write_bench(lab.results, _setup_record())
    topics = {c.topic: c for c in claims(discover(lab), load_view(lab)[0])}
    assert topics["Definition"].verdict == "no longer true for Airflow 3"
    assert "idle: Airflow 40, Prefect 2 with its worker" in topics["Scheduling"].evidence
    assert topics["Scheduling"].verdict == "not measured", "no event_driven run: no verdict from process counts"
    assert topics["Dynamic workflows"].verdict == "not measured"


def _local(kind: str, rep: int, airflow: list[dict], prefect: list[dict]) -> BenchRecord:
    first = {side: dict(attempts[0], then=attempts[1:]) if attempts[1:] else attempts[0]
             for side, attempts in (("airflow", airflow), ("prefect", prefect))}
    return BenchRecord(kind, "s1", f"{kind}-1-rep{rep}", {"pair": "etl_basic", **first})


def test_every_claim_of_the_lesson_gets_a_measured_verdict_from_the_records(lab: LabSettings) -> None:
    write_bench(lab.results, _setup_record())
    fail = {"state": "failed", "database": "none", "database_bytes": None,
            "error": "OperationalError: no such table: dag\nmore"}
    for rep in (1, 2):
        write_bench(lab.results, _local("local", rep,
                                        [{"state": "success", "seconds": 9.0 + rep, "database": "prepared"}],
                                        [{"state": "success", "seconds": 14.0, "database": "prepared"}]))
        write_bench(lab.results, _local("fresh", rep, [
            dict(fail, seconds=3.0), {"state": "success", "seconds": 12.0, "database": "migrate"}],
            [{"state": "success", "seconds": 24.0, "database": "none", "database_bytes": 3 * 2**20}]))
        labels = {"bench_session": "s1", "key": f"pair-event_driven-rep{rep}", "workload": "pair", "size": 0}
        handover = {side: {"event_to_start_s": seconds, "event_to_done_s": seconds + 3}
                    for side, seconds in (("airflow", 0.5), ("prefect", 5.5))}
        write(lab.results, dataclasses.replace(comparison(offset=10.0 * rep), pair="event_driven",
                                               labels={**labels, "handover": handover}))
    labels = {"bench_session": "s1", "key": "fanout-10-rep1", "workload": "fanout", "size": 10}
    write(lab.results, dataclasses.replace(comparison(), pair="dynamic_fanout", labels=labels))
    topics = {c.topic: c for c in claims(discover(lab), load_view(lab)[0])}
    assert len(topics) == 9 and "not measured" not in {c.verdict for c in topics.values()}, topics
    assert "event → consumer started 0.50 s" in topics["Scheduling"].evidence
    assert "5.50 s" in topics["Scheduling"].evidence and topics["Scheduling"].verdict == "partly"
    local = topics["Local execution / testing"].evidence
    assert "`dag.test()` 10.50 s" in local and "flow call 14.00 s" in local
    state = topics["State management"]
    assert "succeeded 0/2 (OperationalError: no such table: dag)" in state.evidence
    assert "after `airflow db migrate` 12.00 s" in state.evidence and "(3.0 MiB)" in state.evidence
    assert state.verdict == "partly"


def test_the_speed_claim_counts_pairs_by_the_interval_rule(lab: LabSettings) -> None:
    write_bench(lab.results, _setup_record())
    for rep, offset in enumerate((0.0, 10.0, 20.0), start=1):
        labels = {"bench_session": "s1", "key": f"pair-etl_basic-rep{rep}", "workload": "pair", "size": 0}
        write(lab.results, dataclasses.replace(comparison(offset=offset), labels=labels))
    speed = {c.topic: c for c in claims(discover(lab), load_view(lab)[0])}["Speed (implied: lightweight)"]
    # Airflow 4.0 s every time, Prefect 4.1 s: the intervals do not overlap, so Prefect is slower here.
    assert "Prefect faster on 0 of 1 pairs, slower on 1" in speed.evidence
    assert "95 % bootstrap interval" in speed.evidence
    assert speed.verdict == "no longer true for Airflow 3"


def test_fan_out_throughput_is_mapped_tasks_per_second_of_trigger_to_done(lab: LabSettings) -> None:
    write_bench(lab.results, _setup_record())
    for rep, offset in enumerate((0.0, 10.0), start=1):
        labels = {"bench_session": "s1", "key": f"fanout-10-rep{rep}", "workload": "fanout", "size": 10}
        write(lab.results, dataclasses.replace(comparison(offset=offset), labels=labels))
    # 10 tasks in 4.0 s (Airflow) and 4.1 s (Prefect), twice each.
    assert throughput_rows(load_view(lab)[0]) == [["10", "2.5/s [2.5–2.5] (n=2)", "2.4/s [2.4–2.4] (n=2)"]]


def test_publishing_a_session_replaces_only_the_reference_of_its_stack_profile(tmp_path: Path) -> None:
    lab = LabSettings(root=tmp_path, state=tmp_path / "state", results=tmp_path / "results",
                      reports=tmp_path / "reports", env_file=tmp_path / ".env")
    sessions = {"tuned-1": "tuned", "robust-1": "robust", "tuned-2": "tuned"}
    for session, profile in sessions.items():
        write_bench(lab.results, dataclasses.replace(_setup_record(), session=session, profile=profile))
        write(lab.results, dataclasses.replace(comparison(), labels={"bench_session": session, "workload": "pair"}))
        publish_session(lab, session, progress=lambda _: None)
    reference = published(lab).results
    assert {r.session for _, r in load_bench(reference).records} == {"robust-1", "tuned-2"}
    assert sorted(c.labels["bench_session"] for _, c in load_comparisons(reference).records) == ["robust-1", "tuned-2"]
    assert [v.profile for v in load_view(published(lab))] == ["tuned", "robust"], "newest first"


def test_both_local_runs_are_planned_and_each_side_makes_its_database_the_same_way() -> None:
    for profile, count in (("quick", 1), ("full", 5)):
        steps = plan(profile, ["etl_basic"])
        for kind in ("local", "fresh"):
            assert [s.key for s in steps if s.kind == kind] == [f"{kind}-1-rep{r}" for r in range(1, count + 1)]
    # Prepared alike on both; with nothing prepared, Airflow is tried as is and then migrated, Prefect as is.
    assert LOCAL_DATABASES["local"] == {"airflow": ("prepared",), "prefect": ("prepared",)}
    assert LOCAL_DATABASES["fresh"] == {"airflow": ("none", "migrate"), "prefect": ("none",)}


def test_a_session_s_conditions_say_how_fast_the_machine_was_at_its_start_and_end(lab: LabSettings) -> None:
    """Sessions of other days are comparable only at equal calibration; one without it says nothing of it."""
    from comparisons.bench.calibration import calibrate
    from comparisons.report.bench_section import sweep_conditions

    measured = calibrate(repeat=1)
    assert measured["python_loop_s"] > 0 and measured["process_start_s"] > 0 and measured["repeat"] == 1
    write_bench(lab.results, _setup_record())
    (view,) = load_view(lab)
    assert "calibration" not in sweep_conditions(view)
    setup = _setup_record()
    setup.values["calibration"] = {"python_loop_s": 0.41, "process_start_s": 0.052, "repeat": 3}
    write_bench(lab.results, dataclasses.replace(setup, session="s2"))
    write_bench(lab.results, BenchRecord("summary", "s2", "summary-1", {
        "steps": 1, "measured_now": 1, "wall_s": 60.0, "profile": "quick", "repeat": 2,
        "calibration": {"python_loop_s": 0.83, "process_start_s": 0.110, "repeat": 3}}))
    (view,) = [v for v in load_view(lab) if v.session == "s2"]
    assert sweep_conditions(view).endswith(
        "machine calibration (median of 3): at the start a fixed Python loop 0.41 s, a Python start with fixed "
        "imports 52 ms; at the end a fixed Python loop 0.83 s, a Python start with fixed imports 110 ms")
