"""The link session (`./lab bench --link`): the same work with the workers farther from the control plane.

Each step ran with 2 workers a side on simulated hosts (`stack/hosts.py`), the link adding
`link_ms` to each round trip (`Step.link_ms`). A pure function of the records.
"""

from __future__ import annotations

import html
from collections import defaultdict

from comparisons.bench.plan import LINK_PAIR
from comparisons.metrics import summarise
from comparisons.report.bench_section import (
    BenchView,
    _fmt,
    _md_table,
    _table,
    _totals,
    caps_text,
    format_caps,
    sweep_conditions,
)
from comparisons.settings import SIDES
from comparisons.stack.services import SCALE_OUT_CAPS
from comparisons.store.comparison import Comparison

__all__ = ["link_html", "link_markdown", "rows"]

WORKLOADS = {"pair": f"one {LINK_PAIR} run", "chain": "chain of {size} tasks", "fanout": "fan-out of {size}"}

NOTE = ("Every worker (both Celery workers; both Prefect workers and the flow runs they start) ran in a network "
        "namespace of its own, reaching PostgreSQL, Redis, both API servers and the alert receiver over a veth "
        "link and a bridge; the control plane stayed on loopback. The delay is added by the lab's link service "
        "to what a worker sends (this machine's kernel has no netem), so each round trip a worker waits on gets it "
        "once. The namespaces share the machine's 2 CPUs, memory and disk: only the network path is simulated. "
        "The last column is the median's growth from the first delay to the last and, where their intervals do not "
        "overlap, that growth divided by the added delay: about how many round trips to the control plane the run "
        "waits on, one after another.")


def caps(view: BenchView) -> str:
    """The caps of the session's setup record, and the scaled-out stack's own (vendors' defaults, none moved)."""
    scaled = (view.setup.values.get("scale_out_caps") if view.setup else None) or {
        side: [list(cap) for cap in entries] for side, entries in SCALE_OUT_CAPS.items()}
    return f"{caps_text(view)}. Scaled out (Celery), also: {format_caps(scaled)}"


def _delays(view: BenchView) -> list[float]:
    return sorted({float(c.labels["link_ms"]) for c in view.comparisons if "link_ms" in c.labels})


def header(view: BenchView) -> list[str]:
    delays = _delays(view)
    last = (f"Δ median {delays[0]:g} → {delays[-1]:g} ms, and the round trips it makes (Δ ÷ {delays[-1]:g} ms)"
            if len(delays) > 1 else "")
    return ["workload, trigger → done", "side", *(f"+{d:g} ms a round trip" for d in delays), *([last] * bool(last))]


def _growth(first: list[float], last: list[float], span_s: float) -> str:
    """The median's growth; in round trips only where the two intervals do not overlap (else: unresolved)."""
    low, high = summarise(first), summarise(last)
    if low is None or high is None or not span_s:
        return "—"
    grown = high.median - low.median
    if high.ci_low <= low.ci_high and low.ci_low <= high.ci_high:
        return f"{grown:+.2f} s, within the spread"
    return f"{grown:+.2f} s ≈ {grown / span_s:.0f} round trips"


def rows(view: BenchView) -> list[list[str]]:
    """One row per workload and side; one column per delay, and the growth in round trips."""
    delays = _delays(view)
    cells: dict[tuple[str, int, float], list[Comparison]] = defaultdict(list)
    for workload in WORKLOADS:
        for c in view.counted(workload):
            if "link_ms" in c.labels:
                cells[(workload, int(c.labels.get("size") or 0), float(c.labels["link_ms"]))].append(c)
    out = []
    for workload, size in sorted({(w, s) for w, s, _ in cells}, key=lambda k: (list(WORKLOADS).index(k[0]), k[1])):
        for side in SIDES:
            values = [_totals(cells.get((workload, size, d), []), side) for d in delays]
            row = [WORKLOADS[workload].format(size=size), side, *(_fmt(v) for v in values)]
            if len(delays) > 1:
                row.append(_growth(values[0], values[-1], (delays[-1] - delays[0]) / 1000))
            out.append(row)
    return out


def link_markdown(view: BenchView, whose: str) -> str:
    parts = [f"## Distance to the control plane, {whose} — session {view.session}, {view.profile} profile", "",
             f"Conditions: {sweep_conditions(view)}.", "", NOTE, "",
             "Median [95 % bootstrap interval] (n), from the servers' timestamps; one side measured at a time, "
             "the other paused:", "", _md_table(header(view), rows(view)), "", f"{caps(view)}.", ""]
    return "\n".join(parts)


def link_html(view: BenchView, whose: str) -> str:
    anchor = "reference" if whose != "your machine" else "yours"
    return "".join([
        f"<section id=link-{anchor}-{view.profile}><h2>Distance to the control plane, {html.escape(whose)} — "
        f"{view.profile} profile</h2>",
        f"<p class=muted>Session {html.escape(view.session)}; raw records in {html.escape(str(view.folder))}.</p>",
        f"<p>Conditions: {html.escape(sweep_conditions(view))}.</p>", f"<p>{html.escape(NOTE)}</p>",
        _table(header(view), rows(view)), f"<p class=muted>{html.escape(caps(view))}.</p></section>"])
