"""The report's fault matrix: scenario × orchestrator, from the newest record of each in `results/faults/`."""

from __future__ import annotations

import html
import os
from pathlib import Path

from comparisons.faults.scenarios import SCENARIOS
from comparisons.settings import SIDES, LabSettings
from comparisons.store.fault import FaultRecord, load_faults

__all__ = ["faults_section"]

HEADER = ["scenario", "orchestrator", "verdict", "detected", "time to detect", "final state", "recovered",
          "data intact", "notes"]


def _yes(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _row(record: FaultRecord) -> list[str]:
    detect = f"{record.detect_s:.1f} s" if record.detect_s is not None else "—"
    if record.drain_s is not None:
        detect = f"drained in {record.drain_s:.1f} s"
    detected = "nothing failed" if record.detected is False and record.recovered else _yes(record.detected)
    return [record.scenario, record.orchestrator, record.verdict, detected, detect, record.final_state,
            _yes(record.recovered), _yes(record.data_intact), "; ".join(record.notes)]


def _newest(settings: LabSettings) -> list[tuple[Path, FaultRecord]]:
    """The newest record of each scenario and side, with its file, in the matrix's order."""
    newest: dict[tuple[str, str], tuple[Path, FaultRecord]] = {}
    for path, record in load_faults(settings.results).records:
        newest[(record.scenario, record.orchestrator)] = path, record
    order = {name: i for i, name in enumerate(SCENARIOS)}
    return sorted(newest.values(), key=lambda item: (order.get(item[1].scenario, 99),
                                                     SIDES.index(item[1].orchestrator)
                                                     if item[1].orchestrator in SIDES else 9))


def faults_section(settings: LabSettings, whose: str = "your machine") -> tuple[str, str]:
    """HTML and Markdown; two empty strings until `./lab fault` has recorded something."""
    newest = _newest(settings)
    records = [record for _, record in newest]
    if not records:
        return "", ""
    intro = ("Each scenario was run on each orchestrator in turn by `./lab fault`: the fault injected into a "
             "running pair, the run then read from its server every 0.5 s. *Detected*: the server showed the "
             "failure (a failed or retried try, a crashed run); *recovered*: the run ended as it should with no "
             "help beyond the restart the scenario includes; *data intact*: the output table holds exactly the "
             "expected rows, or none at all — never a partial or duplicated load.")
    md = [f"## Fault matrix, {whose}", "", intro, "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    md += ["| " + " | ".join(cell.replace("|", "/") for cell in _row(r)) + " |" for r in records]
    md += ["", "What each scenario does: " + "; ".join(f"**{s.name}**: {s.summary}" for s in SCENARIOS.values())
           + ".", ""]
    rows = []
    for path, record in newest:
        cells = _row(record)
        link = f' <a href="{html.escape(os.path.relpath(path, settings.reports))}">record</a>'
        run_links = "".join(f' <a href="{html.escape(url)}">run</a>' for url in record.urls)
        logs = ", ".join(html.escape(Path(log).name) for log in record.logs)
        rows.append("<tr>" + "".join(f"<td class='{'different' if c == 'DATA WRONG' else ''}'>{html.escape(c)}</td>"
                                     for c in cells[:-1])
                    + f"<td>{html.escape(cells[-1])}{link}{run_links}<br><span class=muted>injected: "
                      f"{html.escape(record.injection)}; logs: {logs}</span></td></tr>")
    table = ("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in HEADER) + "</tr>" + "".join(rows)
             + "</table>")
    scenarios = "<ul>" + "".join(f"<li><b>{html.escape(s.name)}</b> ({html.escape(s.pair)}): "
                                 f"{html.escape(s.summary)}</li>" for s in SCENARIOS.values()) + "</ul>"
    body = (f"<section><h2>Fault matrix, {html.escape(whose)}</h2><p>{html.escape(intro).replace('*', '')}</p>{table}"
            f"{scenarios}</section>")
    return body, "\n".join(md)
