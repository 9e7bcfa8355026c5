"""The benchmark part of the report: setup cost, scaling, bursts, memory, authoring, the lesson's claims.

A pure function of the stored records (comparisons labelled with a bench session, and the bench
records under `results/bench/`) and of the pipeline files (authoring cost).
"""

from __future__ import annotations

import html
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from comparisons.authoring import authoring_cost
from comparisons.bench.calibration import describe
from comparisons.bench.plan import family
from comparisons.bench.served import PATHS
from comparisons.metrics import overhead, pickup, summarise, total
from comparisons.pairs import Pair, discover
from comparisons.report.plots_bench import memory_plot, scaling_plot
from comparisons.settings import SIDES, LabSettings
from comparisons.store.bench import BenchRecord, bench_folder, load_bench
from comparisons.store.comparison import Comparison, load_comparisons
from comparisons.store.runs import RunRecord

__all__ = ["BenchView", "bench_html", "bench_markdown", "load_view"]

SCALING = {"chain": ("sequential chain of light tasks", "tasks in the chain"),
           "fanout": ("fan-out of mapped tasks", "mapped tasks"),
           "payload_kb": ("payload passed between two tasks", "payload (KB)")}


@dataclass(frozen=True)
class BenchView:
    session: str
    profile: str
    comparisons: list[Comparison]
    records: list[BenchRecord]
    folder: Path

    def of_kind(self, kind: str) -> list[BenchRecord]:
        return [r for r in self.records if r.kind == kind]

    @property
    def setup(self) -> BenchRecord | None:
        return next(iter(self.of_kind("setup")), None)

    @property
    def plan(self) -> str:
        """The sweep's plan (`full`, `quick`, `scale-out`), as its setup record stored it."""
        return str(((self.setup.values.get("plan") or {}).get("name") if self.setup else None) or "full")

    def counted(self, workload: str) -> list[Comparison]:
        return [c for c in self.comparisons if c.labels.get("workload") == workload
                and not c.labels.get("warmup") and c.status == "equal"]


def load_view(settings: LabSettings) -> list[BenchView]:
    """The newest bench session of each stack profile and plan family (`plan.family`), newest first."""
    records = load_bench(settings.results).records  # what cannot be read is listed by the report (`store`)
    comparisons = load_comparisons(settings.results).records
    sessions: dict[str, list[BenchRecord]] = defaultdict(list)
    for _, record in records:
        sessions[record.session].append(record)
    newest: dict[tuple[str, bool], str] = {}
    for session, items in sorted(sessions.items()):
        setup = next((r for r in items if r.kind == "setup"), None)
        if setup is not None:
            newest[(items[0].profile, family((setup.values.get("plan") or {}).get("name") or ""))] = session
    return [BenchView(session, profile, [c for _, c in comparisons if c.labels.get("bench_session") == session],
                      sessions[session], bench_folder(settings.results, session))
            for (profile, _), session in sorted(newest.items(), key=lambda kv: kv[1], reverse=True)]


def _fmt(values: list[float], unit: str = "s") -> str:
    summary = summarise(values)
    if summary is None:
        return "—"
    spread = f" [{summary.ci_low:.2f}–{summary.ci_high:.2f}]" if summary.n > 1 else ""
    return f"{summary.median:.2f} {unit}{spread} (n={summary.n})"


def _totals(comparisons: list[Comparison], side: str) -> list[float]:
    return [v for c in comparisons if side in c.runs and (v := total(c.runs[side])) is not None]


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _baseline(view: BenchView, pair: str, size: int) -> list[float]:
    for record in view.of_kind("baseline"):
        if record.values.get("pair") == pair:
            return list(record.values["seconds"].get(str(size), []))
    return []


def setup_rows(view: BenchView) -> list[list[str]]:
    setup = view.setup
    if setup is None:
        return []
    values = setup.values
    rows = []
    for side in SIDES:
        healthy = {k: v for k, v in values["seconds_to_healthy"].items() if k.startswith(side)}
        install = values["install"].get(side, {})
        rows.append([
            side, f"{install.get('packages', '—')}", f"{install.get('size_mib', 0):.0f} MiB",
            f"{install.get('install_warm_cache_s', 0):.1f} s",
            f"{sum(healthy.values()):.1f} s" if values.get("restarted") else "not measured (stack was running)",
            f"{values['idle'][side]['processes']}", f"{values['idle'][side]['pss_mib']:.0f} MiB",
            f"{_peak(view, side):.0f} MiB",
        ])
    return rows


def _peak(view: BenchView, side: str) -> float:
    return max((r.values["peak_pss_mib"][side] for r in view.of_kind("memory") + view.of_kind("concurrent")
                if "peak_pss_mib" in r.values), default=0.0)


SETUP_HEADER = ["side", "packages", "environment size", "install (warm uv cache)", "start → all healthy",
                "processes idle", "memory idle (PSS)", "memory peak (PSS)"]


def scaling_rows(view: BenchView, workload: str) -> tuple[list[list[str]], dict[str, list[tuple]]]:
    by_size: dict[int, list[Comparison]] = defaultdict(list)
    for comparison in view.counted(workload):
        by_size[int(comparison.labels["size"])].append(comparison)
    rows, series = [], {"airflow": [], "prefect": [], "baseline": []}
    pair = next((c.pair for c in view.comparisons if c.labels.get("workload") == workload), "")
    for size, items in sorted(by_size.items()):
        base = _baseline(view, pair, size)
        row = [str(size)]
        for side in SIDES:
            values = _totals(items, side)
            row.append(_fmt(values))
            row.append(_fmt([v for c in items if side in c.runs and (v := overhead(c.runs[side])) is not None]))
            if values:
                series[side].append((size, statistics.median(values), min(values), max(values)))
            row.append(f"{statistics.median(values) - statistics.median(base):.2f} s" if values and base else "—")
        if base:
            series["baseline"].append((size, statistics.median(base), min(base), max(base)))
        row.append(_fmt(base) if base else "—")
        rows.append(row)
    return rows, series


SCALING_HEADER = ["size", "Airflow trigger → done", "Airflow overhead (minus pipeline code)",
                  "Airflow minus plain Python", "Prefect trigger → done", "Prefect overhead (minus pipeline code)",
                  "Prefect minus plain Python", "plain Python baseline"]


def format_caps(caps: dict[str, list[list[Any]]]) -> str:
    """Caps as records store them, side → [name, value, why]: "Airflow name = value (why), …; Prefect …"."""
    return "; ".join(f"{side.capitalize()} " + ", ".join(f"{name} = {value} ({why})" for name, value, why in entries)
                     for side, entries in caps.items())


def caps_text(view: BenchView) -> str:
    """The concurrency caps that shaped the session's bursts and fan-outs, as its setup record stored them."""
    caps = (view.setup.values.get("caps") if view.setup else None) or {}
    if not caps:
        return "concurrency caps: not recorded by this session"
    return "Concurrency caps: " + format_caps(caps)


def _run_latencies(runs: list[dict[str, Any]]) -> list[float]:
    return [v for data in runs if (v := total(RunRecord.from_json(data))) is not None]


def _drain(runs: list[RunRecord]) -> float:
    """A burst's first trigger → last end, from the servers' timestamps (NaN when none ended)."""
    created, ends = [r.created for r in runs if r.created], [r.end for r in runs if r.end]
    return (max(ends) - min(created)).total_seconds() if created and ends else float("nan")


def burst_rows(view: BenchView) -> list[list[str]]:
    rows = []
    for record in sorted(view.of_kind("concurrent"), key=lambda r: (r.values["size"], r.key)):
        for side in SIDES:
            data = record.values[side]
            drain = _drain([RunRecord.from_json(r) for r in data["runs"]])
            spread = data.get("trigger_spread_s")  # older records sent the K triggers one after another
            rows.append([str(record.values["size"]), side, f"{data['succeeded']}/{data['triggered']}",
                         str(data["distinct_run_ids"]), "sequential" if spread is None else f"{spread:.2f} s",
                         f"{drain:.1f} s", f"{data['succeeded'] / drain:.2f}" if drain > 0 else "—",
                         _fmt(_run_latencies(data["runs"]))])
    return rows


def burst_failures(view: BenchView) -> list[str]:
    """Each burst run that did not succeed: how long it waited, its final state and the server's reason."""
    lines = []
    for record in sorted(view.of_kind("concurrent"), key=lambda r: (r.values["size"], r.key)):
        for side in SIDES:
            for run in (RunRecord.from_json(r) for r in record.values[side]["runs"]):
                if run.state == "success":
                    continue
                waited = (run.end - run.created).total_seconds() if run.end and run.created else float("nan")
                reason = run.error or "this session stored no reason; the worker's log had it"
                lines.append(f"{record.key}, {side}: run {run.run_id[:8]} ended {run.raw_state} {waited:.0f} s "
                             f"after its trigger, {'never started' if run.start == run.end else 'while running'}"
                             f" ({reason})")
    return lines


BURST_HEADER = ["K runs at once", "side", "succeeded", "distinct run ids", "triggers sent → last answered",
                "drain (first trigger → last end)", "runs per second (succeeded / drain)", "per-run trigger → done"]


def throughput_rows(view: BenchView) -> list[list[str]]:
    """Mapped tasks per second of a fan-out (size / trigger → done, each run), the same quantity on both sides."""
    by_size: dict[int, list[Comparison]] = defaultdict(list)
    for comparison in view.counted("fanout"):
        by_size[int(comparison.labels["size"])].append(comparison)
    return [[str(size), *(_rate([size / v for v in _totals(items, side) if v > 0]) for side in SIDES)]
            for size, items in sorted(by_size.items())]


def _rate(values: list[float]) -> str:
    summary = summarise(values)
    if summary is None:
        return "—"
    interval = "" if summary.n == 1 else f" [{summary.ci_low:.1f}–{summary.ci_high:.1f}]"
    return f"{summary.median:.1f}/s{interval} (n={summary.n})"


THROUGHPUT_HEADER = ["mapped tasks", "Airflow tasks per second", "Prefect tasks per second"]


def _burst_side(records: list[BenchRecord], side: str) -> tuple[list[float], list[float], int, int]:
    """Drain (first trigger → last end), succeeded runs per second of drain, succeeded and triggered."""
    drains, rates, succeeded, triggered = [], [], 0, 0
    for record in records:
        data = record.values[side]
        if (drain := _drain([RunRecord.from_json(r) for r in data["runs"]])) > 0:  # False for NaN
            drains.append(drain)
            rates.append(data["succeeded"] / drain)
        succeeded, triggered = succeeded + data["succeeded"], triggered + data["triggered"]
    return drains, rates, succeeded, triggered


def at_scale_rows(view: BenchView) -> list[list[str]]:
    """The largest size of each scaling workload, both sides in one row: the headline's second table."""
    rows = []
    for workload, what in (("chain", "chain of {} tasks, trigger → done"),
                           ("fanout", "fan-out of {} mapped tasks, trigger → done")):
        table, _ = scaling_rows(view, workload)
        if table:
            rows.append([what.format(table[-1][0]), table[-1][1], table[-1][4]])
    throughput = throughput_rows(view)
    if throughput:
        rows.append([f"fan-out of {throughput[-1][0]}, mapped tasks per second", *throughput[-1][1:]])
    bursts = view.of_kind("concurrent")
    if bursts:
        size = max(r.values["size"] for r in bursts)
        largest = [r for r in bursts if r.values["size"] == size]
        sides = {side: _burst_side(largest, side) for side in SIDES}
        rows.append([f"{size} runs triggered at once, first trigger → last end",
                     *(_fmt(sides[side][0]) for side in SIDES)])
        rows.append([f"{size} runs at once, throughput; runs that succeeded",
                     *(f"{_fmt(sides[side][1], 'runs/s')}; {sides[side][2]}/{sides[side][3]}" for side in SIDES)])
    return rows


SERVED_HEADER = ["pair", "size", "path", "trigger → done", "trigger → started", "orchestration overhead", "equal"]


def served_rows(view: BenchView) -> list[list[str]]:
    """Prefect's worker against `prefect.serve` on the same pair: the servers' timestamps, warm-ups left out."""
    groups: dict[tuple[str, int], list[BenchRecord]] = defaultdict(list)
    for record in view.of_kind("served"):
        if not record.values.get("warmup"):
            groups[(record.values["pair"], record.values["size"])].append(record)
    rows = []
    for (pair, size), records in sorted(groups.items()):
        for path in PATHS:
            runs = [RunRecord.from_json(r.values["runs"][path]) for r in records if r.values["equal"][path]]
            rows.append([pair, str(size), "worker (process pool)" if path == "worker" else "`prefect.serve`",
                         *(_fmt([metric(run) for run in runs]) for metric in (total, pickup, overhead)),
                         f"{len(runs)}/{len(records)}"])
    return rows


def local_databases(view: BenchView) -> str:
    """How the session's local runs made their databases: alike on both, or (records from before the
    `database` field) Airflow migrating a fresh one in every run while Prefect copied a migrated one."""
    if all("database" in r.values[side] for r in view.of_kind("local") for side in SIDES):
        return "the database (SQLite on both) migrated once and copied for each run"
    return ("recorded before the runs were made alike: Airflow migrated a fresh SQLite database in every run "
            "(about 2 s of it), Prefect copied one migrated once")


def local_rows(view: BenchView) -> list[list[str]]:
    records = view.of_kind("local")
    return [[side, _fmt([r.values[side]["seconds"] for r in records if r.values[side]["state"] == "success"]),
             f"{sum(r.values[side]['state'] == 'success' for r in records)}/{len(records)}"] for side in SIDES]


FRESH_HEADER = ["side", "what was done to the database", "succeeded", "seconds (succeeded runs)", "database",
                "what the run said"]
#: The runners' LAB_INPROCESS_DATABASE ways, as a reader would put them.
DATABASE_WAYS = {"none": "nothing", "migrate": "`airflow db migrate` first (in-process `initdb()`)",
                 "prepared": "a copy of a DB migrated once"}


def fresh_attempts(view: BenchView, side: str) -> dict[str, list[dict]]:
    """Each way a `fresh` record tried `side`'s database, in order: way -> the attempts."""
    attempts: dict[str, list[dict]] = {}
    for record in view.of_kind("fresh"):
        for attempt in [record.values[side], *record.values[side].get("then", [])]:
            attempts.setdefault(attempt["database"], []).append(attempt)
    return attempts


def fresh_rows(view: BenchView) -> list[list[str]]:
    """The pair run in-process with nothing prepared: what each side does about its missing database."""
    rows = []
    for side in SIDES:
        for way, attempts in fresh_attempts(view, side).items():
            ok = [a for a in attempts if a["state"] == "success"]
            sizes = [a["database_bytes"] / 2**20 for a in ok if a.get("database_bytes")]
            said = next((a["error"].splitlines()[0][:160] for a in attempts if a.get("error")), "—")
            rows.append([side, DATABASE_WAYS.get(way, way), f"{len(ok)}/{len(attempts)}",
                         _fmt([a["seconds"] for a in ok]),
                         f"SQLite, {max(sizes):.1f} MiB" if sizes else "—", said])
    return rows


def authoring_rows(pairs: list[Pair]) -> list[list[str]]:
    rows = []
    for pair in pairs:
        a, p = authoring_cost(pair.airflow_file), authoring_cost(pair.prefect_file)
        rows.append([pair.name, f"{a.code_lines} / {p.code_lines}", f"{a.imports} / {p.imports}",
                     f"{a.decorators} / {p.decorators}", f"{a.config_keywords} / {p.config_keywords}",
                     f"{a.rshift_dependencies} / {p.rshift_dependencies}", f"{a.xcom_calls} / {p.xcom_calls}"])
    return rows


AUTHORING_HEADER = ["pair (Airflow / Prefect)", "code lines", "imports", "decorators", "decorator keywords",
                    "`>>` wiring", "explicit XCom calls"]


def harness_overhead(view: BenchView) -> str:
    """How much CPU the harness took while the runs it reports were in flight, from the raw records."""
    ratios = [run.harness["cpu_s"] / run.harness["wall_s"] for c in view.comparisons if not c.labels.get("warmup")
              for run in c.runs.values() if run.harness and run.harness.get("wall_s")]
    ratios += [r.values["harness_cpu_s"] / r.values["wall_s"] for r in view.of_kind("concurrent")
               if r.values.get("wall_s")]
    if not ratios:
        return "not measured"
    text = (f"while a run was in flight, the harness used at most {max(ratios) * 100:.2f} % of one core "
            f"(median {statistics.median(ratios) * 100:.2f} %, {len(ratios)} runs and bursts): its own CPU time "
            f"from the first poll to the terminal answer, over that time, stored with each run record")
    sampled = [r for r in view.of_kind("memory") if "sampler_cpu_s" in r.values]
    if sampled:
        cpu = sum(r.values["sampler_cpu_s"] for r in sampled)
        wall = sum(r.values["wall_s"] for r in sampled)
        text += (f"; memory was read by a separate sampler process under SCHED_IDLE ({cpu:.1f} s CPU over "
                 f"{wall:.0f} s of {len(sampled)} steps), which the kernel runs only on CPU no orchestrator "
                 f"process wants; timings come from the servers' own timestamps")
    return text


def sweep_conditions(view: BenchView) -> str:
    """Machine, versions, plan and how long the sweep took, from the session's own records."""
    anchor = view.setup or (view.records[0] if view.records else None)
    if anchor is None:
        return ""
    host = anchor.host or {}
    versions = ", ".join(f"{k} {v}" for k, v in sorted((anchor.versions or {}).items()))
    text = (f"{host.get('cpus', '?')} CPUs ({host.get('cpu_model', 'unknown CPU')}), "
            f"{host.get('memory_gib', '?')} GiB, {host.get('os', '')}; {versions}; stack profile "
            f"{view.profile}")
    summaries = view.of_kind("summary")
    if summaries:
        last = summaries[-1].values
        text += (f"; plan {last['profile']} (repeat {last['repeat']}, capped for the costliest sizes): "
                 f"{last['steps']} steps, the last {last['measured_now']} measured in "
                 f"{last['wall_s'] / 60:.1f} min after set-up")
    calibration = describe((view.setup.values if view.setup else {}).get("calibration"),
                           summaries[-1].values.get("calibration") if summaries else None)
    return text + (f"; {calibration}" if calibration else "")


def bench_markdown(view: BenchView, pairs: list[Pair], whose: str = "your machine") -> str:
    if view.plan == "link":
        from comparisons.report.link_section import link_markdown

        return link_markdown(view, whose)
    if view.plan == "scale-out":
        from comparisons.report.scale_out_section import scale_out_markdown

        return scale_out_markdown(view, whose)
    parts = [f"## Benchmark, {whose} — session {view.session}, {view.profile} profile", "",
             f"Conditions: {sweep_conditions(view)}.", ""]
    parts += [_md_table(SETUP_HEADER, setup_rows(view)), ""]
    catalogue = [[c, _fmt(_totals(items, "airflow")), _fmt(_totals(items, "prefect"))]
                 for c, items in _by_pair(view).items()]
    if catalogue:
        parts += ["Every pair (trigger → done, median [95 % bootstrap interval], warm-up excluded):", "",
                  _md_table(["pair", "Airflow", "Prefect"], catalogue), ""]
    for workload, (title, _) in SCALING.items():
        rows, _ = scaling_rows(view, workload)
        if rows:
            parts += [f"{title[0].upper()}{title[1:]}:", "", _md_table(SCALING_HEADER, rows), ""]
            if workload == "fanout":
                parts += ["Fan-out throughput:", "", _md_table(THROUGHPUT_HEADER, throughput_rows(view)), "",
                          f"{caps_text(view)}.", ""]
    if view.of_kind("concurrent"):
        parts += ["Concurrent runs:", "", _md_table(BURST_HEADER, burst_rows(view)), "", f"{caps_text(view)}.", ""]
        failures = burst_failures(view)
        parts += [f"- {line}" for line in failures] + ([""] if failures else [])
    if view.of_kind("served"):
        parts += ["Prefect's two execution paths, same pair, same server, Airflow paused (which path ran first "
                  "alternates; median [95 % bootstrap interval]):", "", _md_table(SERVED_HEADER, served_rows(view)), ""]
    if view.of_kind("local"):
        parts += [f"Local run with no server (`dag.test()` / a plain flow call), process start included, "
                  f"{local_databases(view)}:", "",
                  _md_table(["side", "seconds", "succeeded"], local_rows(view)), ""]
    if view.of_kind("fresh"):
        parts += ["The same local run with nothing prepared (a first run on a new machine):", "",
                  _md_table(FRESH_HEADER, fresh_rows(view)), ""]
    parts += [f"Harness overhead: {harness_overhead(view)}.", ""]
    return "\n".join(parts)


def _by_pair(view: BenchView) -> dict[str, list[Comparison]]:
    grouped: dict[str, list[Comparison]] = defaultdict(list)
    for comparison in view.counted("pair"):
        grouped[comparison.pair].append(comparison)
    return dict(sorted(grouped.items()))


def bench_html(view: BenchView, pairs: list[Pair], whose: str = "your machine") -> str:
    if view.plan == "link":
        from comparisons.report.link_section import link_html

        return link_html(view, whose)
    if view.plan == "scale-out":
        from comparisons.report.scale_out_section import scale_out_html

        return scale_out_html(view, whose)
    anchor = "reference" if whose != "your machine" else "yours"
    out = [f"<section id=bench-{anchor}-{view.profile}><h2>Benchmark, {html.escape(whose)} — {view.profile} "
           f"profile</h2>",
           f"<p class=muted>Session {html.escape(view.session)}; raw records in "
           f"{html.escape(str(view.folder))} and the comparisons labelled with this session.</p>",
           f"<p>Conditions: {html.escape(sweep_conditions(view))}.</p>",
           "<h3>Setup cost</h3>", _table(SETUP_HEADER, setup_rows(view))]
    catalogue = [[c, _fmt(_totals(items, "airflow")), _fmt(_totals(items, "prefect"))]
                 for c, items in _by_pair(view).items()]
    if catalogue:
        out += ["<h3>Every pair, repeated</h3>", _table(["pair", "Airflow", "Prefect"], catalogue)]
    plots = []
    for workload, (title, xlabel) in SCALING.items():
        rows, series = scaling_rows(view, workload)
        if rows:
            out += [f"<h3>{html.escape(title.capitalize())}</h3>", _table(SCALING_HEADER, rows)]
            if workload == "fanout":
                out += [_table(THROUGHPUT_HEADER, throughput_rows(view)),
                        f"<p class=muted>{html.escape(caps_text(view))}.</p>"]
            plots.append(scaling_plot(title, xlabel, series))
    if plots:
        out.append('<div class="plots">' + "".join(plots) + "</div>")
    if view.of_kind("concurrent"):
        out += ["<h3>Concurrent runs</h3>", _table(BURST_HEADER, burst_rows(view)),
                f"<p class=muted>{html.escape(caps_text(view))}.</p>"]
        out += [f"<p class=different>{html.escape(line)}</p>" for line in burst_failures(view)]
    if view.of_kind("local"):
        out += ["<h3>Local run, no server</h3>",
                f"<p class=muted>Process start included; {html.escape(local_databases(view))}.</p>",
                _table(["side", "seconds", "succeeded"], local_rows(view))]
    if view.of_kind("fresh"):
        out += ["<h3>Local run, nothing prepared</h3>", _table(FRESH_HEADER, fresh_rows(view))]
    if view.of_kind("served"):
        out += ["<h3>Prefect: worker or <code>prefect.serve</code></h3>", _table(SERVED_HEADER, served_rows(view))]
    memory = max(view.of_kind("memory"), key=lambda r: r.values.get("size", 0) if r.values.get("workload") == "fanout"
                 else -1, default=None)
    if memory and memory.values.get("series"):
        out.append('<div class="plots">' + memory_plot(
            f"memory during {memory.values['workload']} size {memory.values['size']}", memory.values["series"],
            SIDES) + "</div>")
    out.append(f"<p>Harness overhead: {html.escape(harness_overhead(view))}.</p></section>")
    return "\n".join(out)


def authoring_section(settings: LabSettings) -> tuple[str, str]:
    pairs = discover(settings)
    rows = authoring_rows(pairs)
    intro = ("Authoring cost of the orchestration wrapper of each pair (the shared logic is not counted), "
             "counted from the AST by comparisons/authoring.py.")
    return (f"<section id=authoring><h2>Authoring cost</h2><p>{intro}</p>{_table(AUTHORING_HEADER, rows)}</section>",
            f"## Authoring cost\n\n{intro}\n\n{_md_table(AUTHORING_HEADER, rows)}\n")
