"""Build `reports/report.html` and `reports/report.md` from the results folder alone.

A pure function of stored comparisons and the pipeline files: it never talks to a server, so a
report can be rebuilt anywhere from a copy of `results/`.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from comparisons import store
from comparisons.drift.table import drift_section
from comparisons.metrics import METRICS, Summary, summarise
from comparisons.pairs import discover
from comparisons.publish import published
from comparisons.report.bench_section import authoring_section, bench_html, bench_markdown, load_view
from comparisons.report.claims import claims_section
from comparisons.report.faults_section import faults_section
from comparisons.report.plots import breakdown_plot, latency_plot
from comparisons.report.screenshots_section import screenshots_section
from comparisons.settings import SIDES, LabSettings
from comparisons.stack.services import DEFAULT_PROFILE
from comparisons.store.comparison import Comparison, load_comparisons

__all__ = ["build_report"]

#: Phases that add up to trigger → done on each side's own timestamps; the tasks' open time is split
#: into the pipeline's code (timed inside the task) and the rest (task start-up and hand-back).
REFERENCE = "the lab's reference (published/)"
BREAKDOWN = ("pickup", "first_task_wait", "task_overhead", "work", "gaps", "tail")


@dataclass(frozen=True)
class PairResults:
    name: str
    comparisons: list[tuple[Path, Comparison]]

    @property
    def counted(self) -> list[Comparison]:
        """Comparisons whose timings count: both sides succeeded and the outputs matched."""
        return [c for _, c in self.comparisons if c.status == "equal"]

    def summary(self, side: str, metric: str) -> Summary | None:
        compute = next(m.compute for m in METRICS if m.name == metric)
        return summarise([compute(c.runs[side]) for c in self.counted if side in c.runs])

    def handover(self, side: str, figure: str) -> Summary | None:
        """A figure of the runs started by their data landing (`labels["handover"]`), e.g. `event_to_start_s`."""
        return self._labelled("handover", side, figure)

    def alert(self, side: str, figure: str = "failure_to_alert_s") -> Summary | None:
        """A figure of the alerts failed runs sent (`labels["alert"]`)."""
        return self._labelled("alert", side, figure)

    def _labelled(self, kind: str, side: str, figure: str) -> Summary | None:
        return summarise([c.labels[kind][side].get(figure) for c in self.counted if side in c.labels.get(kind, {})])

    def alert_fields(self, side: str) -> str:
        """Which of an alert's optional fields the newest counted alert of `side` filled."""
        alerts = [c.labels["alert"][side] for c in self.counted if side in c.labels.get("alert", {})]
        if not alerts:
            return "—"
        payload = alerts[-1]["payload"]
        filled = [name for name in ALERT_SHOWN if payload.get(name)]
        return ", ".join(filled) + ("" if "task" in filled else " (no task)")


#: The figures of a run started by its data landing, from the servers' timestamps (docs/methodology.md).
HANDOVER = (("event_to_start_s", "event → consumer started"), ("event_to_done_s", "event → consumer done"))
#: An alert's fields a reader wants besides its pipeline and state (shared_logic.failure_alert.ALERT_FIELDS).
ALERT_SHOWN = ("run_id", "url", "task", "message")
ALERT_LABEL = "run failed → alert received"


def _group(settings: LabSettings) -> list[PairResults]:
    grouped: dict[str, list[tuple[Path, Comparison]]] = defaultdict(list)
    for path, comparison in load_comparisons(settings.results).records:
        # Scaling workloads (other sizes, other parameters) and warm-ups belong to the benchmark section.
        if comparison.labels.get("workload", "pair") != "pair" or comparison.labels.get("warmup"):
            continue
        grouped[comparison.pair].append((path, comparison))
    return [PairResults(name, items) for name, items in sorted(grouped.items())]


def _unreadable_section(folders: dict[str, Path]) -> tuple[str, str]:
    """Every record file the store could not read, in the user's results and the reference, with why."""
    found = [(whose, kind, path, why) for whose, folder in folders.items()
             for kind, path, why in store.unreadable(folder)]
    if not found:
        return "", ""
    md = ["## Unreadable records, left out", "",
          *(f"- {whose}, {kind}: `{path}`: {why}" for whose, kind, path, why in found), ""]
    body = ("<section><h2>Unreadable records, left out</h2><ul class=different>" + "".join(
        f"<li>{html.escape(whose)}, {kind}: {html.escape(str(path))}: {html.escape(why)}</li>"
        for whose, kind, path, why in found) + "</ul></section>")
    return body, "\n".join(md)


def _conditions(pairs: list[PairResults]) -> dict[str, str]:
    comparisons = [c for p in pairs for _, c in p.comparisons]
    hosts = {f"{c.host.get('cpu_model', '?')}, {c.host.get('cpus', '?')} cores, "
             f"{c.host.get('memory_gib', '?')} GiB, {c.host.get('os', '?')}" for c in comparisons}
    versions = {f"{name} {run.version}" for c in comparisons for name, run in c.runs.items()}
    return {
        "machine": "; ".join(sorted(hosts)) or "—",
        "versions": ", ".join(sorted(versions)) or "—",
        "profiles": ", ".join(sorted({c.profile for c in comparisons})) or "—",
        "comparisons": str(len(comparisons)),
        "commits": ", ".join(sorted({c.git_commit for c in comparisons})) or "—",
        "mode": "native processes (one side run after the other, never both at once)",
    }


def _fmt(summary: Summary | None) -> str:
    return summary.short() if summary else "—"


def _markdown(pairs: list[PairResults], conditions: dict[str, str], generated: str) -> str:
    lines = [
        "# Airflow 3 vs Prefect 3 — lab report", "",
        f"Generated {generated} from {conditions['comparisons']} stored comparisons.", "",
        f"- Machine: {conditions['machine']}", f"- Versions: {conditions['versions']}",
        f"- Profile: {conditions['profiles']}; {conditions['mode']}", "",
        "Timings are medians [95 % bootstrap interval] over the comparisons whose outputs matched: trigger → "
        "done from the servers' own timestamps, overhead = that minus the pipeline's own code, timed inside "
        "the tasks (docs/methodology.md).", "",
        "| pair | outputs equal | Airflow trigger → done | Prefect trigger → done "
        "| Airflow overhead | Prefect overhead |",
        "|---|---|---|---|---|---|",
    ]
    for pair in pairs:
        equal = f"{len(pair.counted)}/{len(pair.comparisons)}"
        lines.append(
            f"| {pair.name} | {equal} | {_fmt(pair.summary('airflow', 'total'))} | "
            f"{_fmt(pair.summary('prefect', 'total'))} | {_fmt(pair.summary('airflow', 'overhead'))} | "
            f"{_fmt(pair.summary('prefect', 'overhead'))} |")
    chains = [p for p in pairs if any(p.handover(side, HANDOVER[0][0]) for side in SIDES)]
    if chains:
        lines += ["", "## Runs started by their data landing", "",
                  "The compared run is the consumer the producer's landing started. From the event (Airflow: the "
                  "asset event's timestamp; Prefect: the emitted event's `occurred`) to the consumer run's start "
                  "and end, on the servers' timestamps (docs/methodology.md).", "",
                  "| pair | " + " | ".join(f"{side.capitalize()} {label}" for _, label in HANDOVER for side in SIDES)
                  + " |", "|---|" + "---|" * (len(HANDOVER) * len(SIDES))]
        for pair in chains:
            lines.append(f"| {pair.name} | " + " | ".join(
                _fmt(pair.handover(side, figure)) for figure, _ in HANDOVER for side in SIDES) + " |")
    alerting = [p for p in pairs if any(p.alert(side) for side in SIDES)]
    if alerting:
        lines += ["", "## Failed runs that tell someone", "",
                  "From the run's end on its server (Airflow: the DAG run's `end_date`; Prefect: the flow run's "
                  "`end_time`) to the alert receiver's clock when the webhook call arrived. Airflow's notifier runs "
                  "in the dag-processor; Prefect's automation runs in its server (docs/methodology.md).", "",
                  "| pair | " + " | ".join(f"{side.capitalize()} {ALERT_LABEL}" for side in SIDES) + " | "
                  + " | ".join(f"{side.capitalize()} alert names" for side in SIDES) + " |",
                  "|---|" + "---|" * (2 * len(SIDES))]
        for pair in alerting:
            lines.append(f"| {pair.name} | " + " | ".join(_fmt(pair.alert(side)) for side in SIDES) + " | "
                         + " | ".join(pair.alert_fields(side) for side in SIDES) + " |")
    failures = [(p.name, c) for p in pairs for _, c in p.comparisons if c.status != "equal"]
    if failures:
        lines += ["", "## Comparisons that did not count", ""]
        for name, c in failures:
            lines.append(f"- {name} {c.created_at} ({c.started_from}): **{c.status}** — "
                         + "; ".join(f"{k}: {v.splitlines()[0]}" for k, v in c.errors.items()))
    return "\n".join(lines) + "\n"


CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
th{background:#f4f4f4}.equal{color:#1b7f3b;font-weight:600}.failed,.different{color:#b3261e;font-weight:600}
.code{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.code pre{font-size:12px;overflow-x:auto;padding:.5rem}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.plots svg{max-width:580px;height:auto}
pre.log{background:#fff3f2;padding:.5rem;white-space:pre-wrap;font-size:12px}
.muted{color:#666;font-size:.9em}
"""


def _pair_html(settings: LabSettings, pair: PairResults, files: dict[str, tuple[Path, Path]]) -> str:
    out = [f'<section id="{pair.name}"><h2>{html.escape(pair.name)}</h2>']
    statuses = defaultdict(int)
    for _, c in pair.comparisons:
        statuses[c.status] += 1
    out.append("<p>" + ", ".join(f'<span class="{s}">{n} {s}</span>' for s, n in sorted(statuses.items()))
               + f" of {len(pair.comparisons)} comparisons. Timings count only the equal ones.</p>")
    out.append("<table><tr><th>metric</th><th>what it measures</th>"
               + "".join(f"<th>{s}: median [95 % interval]</th><th>p95 (n ≥ 20)</th>" for s in SIDES) + "</tr>")
    for metric in METRICS:
        cells = ""
        for side in SIDES:
            s = pair.summary(side, metric.name)
            cells += f"<td>{_fmt(s)}</td><td>{f'{s.p95:.2f} s' if s and s.p95 is not None else '—'}</td>"
        out.append(f"<tr><td>{metric.label}</td><td class=muted>{metric.description}</td>{cells}</tr>")
    for figure, label in HANDOVER:  # a run started by its data landing: the event's figures
        if any(pair.handover(side, figure) for side in SIDES):
            out.append(f"<tr><td>{label}</td><td class=muted>from the landing event to the consumer run, "
                       "on the servers' timestamps (docs/methodology.md)</td>" + "".join(
                           f"<td>{_fmt(pair.handover(side, figure))}</td><td>—</td>" for side in SIDES) + "</tr>")
    if any(pair.alert(side) for side in SIDES):  # a failed run that tells someone: when the alert arrived
        names = "; ".join(f"{side.capitalize()}'s names {pair.alert_fields(side)}" for side in SIDES)
        out.append(f"<tr><td>{ALERT_LABEL}</td><td class=muted>from the run's end on its server to the alert "
                   f"receiver's clock (docs/methodology.md). {html.escape(names)}</td>" + "".join(
                       f"<td>{_fmt(pair.alert(side))}</td><td>—</td>" for side in SIDES) + "</tr>")
    out.append("</table>")
    if pair.counted:
        samples = {s: [v for c in pair.counted if (v := METRICS[0].compute(c.runs[s])) is not None] for s in SIDES}
        parts = {s: {m: (pair.summary(s, m).median if pair.summary(s, m) else 0.0) for m in BREAKDOWN}
                 for s in SIDES}
        out.append('<div class="plots">' + latency_plot(f"{pair.name}: trigger → done", samples)
                   + breakdown_plot(f"{pair.name}: where the time goes", parts) + "</div>")
    ui = [c for _, c in pair.comparisons if c.started_from == "ui"]
    if ui:
        out.append(f"<p>{len(ui)} comparison(s) paired runs started from the UIs "
                   f"(latest: {ui[-1].status}).</p>")
    for _, c in pair.comparisons:
        if c.status != "equal":
            detail = "\n\n".join(f"{k}: {v}" for k, v in c.errors.items()) or (
                f"outputs: {c.outputs}; expected: {c.expected}")
            out.append(f"<p class={c.status}>{c.created_at} ({c.started_from}): {c.status}</p>"
                       f"<pre class=log>{html.escape(detail)}</pre>")
    if pair.name in files:
        formatter = HtmlFormatter(noclasses=True, linenos=False)
        airflow_file, prefect_file = files[pair.name]
        out.append('<div class="code">' + "".join(
            f"<div><h3>{html.escape(str(path.relative_to(settings.root)))}</h3>"
            f"{highlight(path.read_text(), PythonLexer(), formatter)}</div>"
            for path in (airflow_file, prefect_file)) + "</div>")
    out.append("<details><summary>raw records</summary><ul>" + "".join(
        f"<li>{html.escape(str(path.relative_to(settings.results)))}</li>" for path, _ in pair.comparisons)
        + "</ul></details></section>")
    return "\n".join(out)


def build_report(settings: LabSettings) -> tuple[Path, Path]:
    """Write the HTML and Markdown reports; returns their paths."""
    pairs = _group(settings)
    conditions = _conditions(pairs)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    files = {p.name: (p.airflow_file, p.prefect_file) for p in discover(settings)}
    settings.reports.mkdir(parents=True, exist_ok=True)
    markdown = _markdown(pairs, conditions, generated)
    body = [f"<h1>Airflow 3 vs Prefect 3 — lab report</h1><p class=muted>Generated {generated}.</p>",
            "<table>" + "".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in conditions.items())
            + "</table>"]
    if not pairs:
        body.append("<p>No results yet: run <code>./lab run</code> (or <code>./lab all</code>) first.</p>")
    summary_html = markdown.split("| pair |", 1)[1].split("\n\n")[0] if pairs else ""
    if summary_html:
        rows = ("| pair |" + summary_html).strip().splitlines()
        body.append("<table>" + "".join(
            "<tr>" + "".join(f"<{'th' if i == 0 else 'td'}>{html.escape(cell.strip())}</{'th' if i == 0 else 'td'}>"
                             for cell in row.strip("|").split("|")) + "</tr>"
            for i, row in enumerate(rows) if i != 1) + "</table>")
    body += [_pair_html(settings, pair, files) for pair in pairs]
    ui_html, ui_md = screenshots_section(settings.screenshots, settings.reports)
    body.append(ui_html)
    markdown += ("\n" + ui_md) if ui_md else ""
    # The committed reference session sits beside the user's own records, so a first report is complete.
    reference = published(settings)
    views, reference_views = load_view(settings), load_view(reference)
    for whose, shown in ((REFERENCE, reference_views), ("your machine", views)):
        body += [bench_html(view, discover(settings), whose) for view in shown]
        markdown += "".join("\n" + bench_markdown(view, discover(settings), whose) for view in shown)
    authoring_html, authoring_md = authoring_section(settings)
    # The claims are judged on the lab's own settings (the stock profile's figures sit beside them), from
    # the user's own full sweep where there is one, else from the reference session.
    sweeps = [v for v in views + reference_views if v.plan != "scale-out"]
    judged = next((v for v in sweeps if v.profile == DEFAULT_PROFILE and v.counted("fanout")),
                  next(iter(sweeps), None))
    claims_html, claims_md = claims_section(discover(settings), judged)
    body += [authoring_html, claims_html]
    markdown += "\n" + claims_md + "\n" + authoring_md
    for whose, lab in ((REFERENCE, reference), ("your machine", settings)):
        faults_html, faults_md = faults_section(lab, whose)
        body.append(faults_html)
        markdown += ("\n" + faults_md) if faults_md else ""
        drift_html, drift_md = drift_section(lab.results, whose)
        body.append(drift_html)
        markdown += "\n" + drift_md
    unreadable_html, unreadable_md = _unreadable_section({"your machine": settings.results,
                                                          REFERENCE: reference.results})
    body.append(unreadable_html)
    markdown += ("\n" + unreadable_md) if unreadable_md else ""
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Airflow vs Prefect lab report</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")
    html_path, md_path = settings.reports / "report.html", settings.reports / "report.md"
    html_path.write_text(page)
    md_path.write_text(markdown)
    return html_path, md_path
