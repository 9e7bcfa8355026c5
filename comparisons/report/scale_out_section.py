"""The scale-out session (`./lab bench --scale-out`): fan-outs and bursts on each stack shape, side by side.

A shape is the number of workers a side (`Step.workers`): 0 is the default stack (Airflow's
LocalExecutor, one Prefect worker), N is `./lab up --scale-out N`. A pure function of the records.
"""

from __future__ import annotations

import html
from collections import defaultdict

from comparisons.report.bench_section import (
    BenchView,
    _burst_side,
    _fmt,
    _md_table,
    _rate,
    _run_latencies,
    _table,
    _totals,
    caps_text,
    format_caps,
    sweep_conditions,
)
from comparisons.settings import SIDES

__all__ = ["scale_out_html", "scale_out_markdown"]


def _shapes(view: BenchView) -> list[int]:
    found = {int(c.labels["workers"]) for c in view.comparisons if "workers" in c.labels}
    found |= {int(r.values["workers"]) for r in view.of_kind("concurrent") if "workers" in r.values}
    return sorted(found)


def _shape_name(workers: int, side: str) -> str:
    if workers == 0:
        return "default stack (LocalExecutor)" if side == "airflow" else "default stack (1 worker)"
    plural = "s" * (workers > 1)
    return f"{workers} Celery worker{plural}" if side == "airflow" else f"{workers} worker{plural}"


def header(view: BenchView) -> list[str]:
    return ["workload", "side", *(f"{w} a side" if w else "default stack" for w in _shapes(view))]


def rows(view: BenchView) -> list[list[str]]:
    """One row per workload, size, quantity and side; one column per shape ("—": not run on that shape)."""
    shapes = _shapes(view)
    fanouts: dict[tuple[int, int], list] = defaultdict(list)
    for c in view.counted("fanout"):
        fanouts[(int(c.labels["size"]), int(c.labels["workers"]))].append(c)
    bursts: dict[tuple[int, int], list] = defaultdict(list)
    for r in view.of_kind("concurrent"):
        bursts[(int(r.values["size"]), int(r.values["workers"]))].append(r)
    out: list[list[str]] = []
    for size in sorted({s for s, _ in fanouts}):
        for side in SIDES:
            cells = [fanouts.get((size, w), []) for w in shapes]
            out.append([f"fan-out of {size}, trigger → done", side,
                        *(_fmt(_totals(c, side)) if c else "—" for c in cells)])
            out.append([f"fan-out of {size}, mapped tasks per second", side,
                        *(_rate([size / v for v in _totals(c, side) if v > 0]) if c else "—" for c in cells)])
    for size in sorted({s for s, _ in bursts}):
        for side in SIDES:
            cells = [[r for r in bursts.get((size, w), []) if side in r.values] for w in shapes]
            measured = [_burst_side(c, side) if c else None for c in cells]
            out.append([f"{size} runs at once, first trigger → last end", side,
                        *(_fmt(m[0]) if m else "—" for m in measured)])
            out.append([f"{size} runs at once, runs per second; succeeded", side,
                        *(f"{_fmt(m[1], 'runs/s')}; {m[2]}/{m[3]}" if m else "—" for m in measured)])
            out.append([f"{size} runs at once, each run's trigger → done", side,
                        *(_fmt([v for r in c for v in _run_latencies(r.values[side]["runs"])]) if c else "—"
                          for c in cells)])
    return out


START_HEADER = ["shape", "side", "start → all healthy", "processes idle", "memory idle (PSS)"]


def start_rows(view: BenchView) -> list[list[str]]:
    """What each shape took to start and holds when idle: the setup record (the first shape) and each restart."""
    records = {0: view.setup.values} if view.setup else {}
    records |= {int(r.values["workers"]): r.values for r in view.of_kind("shape")}
    out = []
    for workers, values in sorted(records.items()):
        for side in SIDES:
            healthy = sum(v for k, v in values["seconds_to_healthy"].items() if k.startswith(side) or
                          (side == "airflow" and k == "redis"))
            out.append([_shape_name(workers, side), side, f"{healthy:.1f} s", str(values["idle"][side]["processes"]),
                        f"{values['idle'][side]['pss_mib']:.0f} MiB"])
    return out


def catalogue_line(view: BenchView) -> str:
    """Every pair once on the scaled-out stack: how many came out equal, and which did not."""
    by_shape: dict[int, list] = defaultdict(list)
    for c in view.comparisons:
        if c.labels.get("workload") == "pair" and not c.labels.get("warmup") and "workers" in c.labels:
            by_shape[int(c.labels["workers"])].append(c)
    lines = []
    for workers, items in sorted(by_shape.items()):
        equal = sorted(c.pair for c in items if c.status == "equal")
        other = sorted(f"{c.pair} ({c.status})" for c in items if c.status != "equal")
        lines.append(f"every pair once with {workers} workers a side: {len(equal)}/{len(items)} equal on both "
                     f"orchestrators" + (f"; not equal: {', '.join(other)}" if other else ""))
    return "; ".join(lines)


def scale_caps(view: BenchView) -> str:
    caps = next((r.values.get("caps") for r in view.of_kind("shape") if r.values.get("caps")), None) or {}
    return format_caps(caps)


NOTE = ("Airflow's default stack runs each task as a process forked by the scheduler (LocalExecutor); scaled out, "
        "the scheduler queues every task in Redis and a Celery worker runs it. Prefect's default stack is one worker, "
        "so its default-stack column and its 1-worker column are the same configuration started twice; its bursts "
        "run from 1 worker up. All on one 2-core machine: more workers add processes, not CPUs.")


def scale_out_markdown(view: BenchView, whose: str) -> str:
    parts = [f"## Scale-out, {whose} — session {view.session}, {view.profile} profile", "",
             f"Conditions: {sweep_conditions(view)}.", "", NOTE, "",
             "Median [95 % bootstrap interval] (n), from the servers' timestamps; one side measured at a time, "
             "the other paused:", "", _md_table(header(view), rows(view)), "",
             f"{caps_text(view)}. Scaled out, also: {scale_caps(view) or 'not recorded'}.", "",
             "Starting each shape:", "", _md_table(START_HEADER, start_rows(view)), ""]
    if line := catalogue_line(view):
        parts += [f"The catalogue: {line}.", ""]
    return "\n".join(parts)


def scale_out_html(view: BenchView, whose: str) -> str:
    anchor = "reference" if whose != "your machine" else "yours"
    out = [f"<section id=scale-out-{anchor}-{view.profile}><h2>Scale-out, {html.escape(whose)} — "
           f"{view.profile} profile</h2>",
           f"<p class=muted>Session {html.escape(view.session)}; raw records in {html.escape(str(view.folder))}.</p>",
           f"<p>Conditions: {html.escape(sweep_conditions(view))}.</p>", f"<p>{html.escape(NOTE)}</p>",
           _table(header(view), rows(view)),
           f"<p class=muted>{html.escape(caps_text(view))}. Scaled out, also: "
           f"{html.escape(scale_caps(view) or 'not recorded')}.</p>",
           "<h3>Starting each shape</h3>", _table(START_HEADER, start_rows(view))]
    if line := catalogue_line(view):
        out.append(f"<p>The catalogue: {html.escape(line)}.</p>")
    out.append("</section>")
    return "\n".join(out)
