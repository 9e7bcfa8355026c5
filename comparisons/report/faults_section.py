"""The report's fault matrix: scenario × orchestrator, from the newest record of each in `results/faults/`."""

from __future__ import annotations

import html
import os
from pathlib import Path

from comparisons.faults.scenarios import SCENARIOS
from comparisons.settings import SIDES, LabSettings
from comparisons.stack.services import PROFILES
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


def _newest(settings: LabSettings) -> dict[str, list[tuple[Path, FaultRecord]]]:
    """Per profile, the newest record of each scenario and side with its file, in the matrix's order."""
    newest: dict[tuple[str, str, str], tuple[Path, FaultRecord]] = {}
    for path, record in load_faults(settings.results).records:  # oldest first: the last one wins
        newest[(record.profile, record.scenario, record.orchestrator)] = path, record
    order = {name: i for i, name in enumerate(SCENARIOS)}
    by_profile: dict[str, list[tuple[Path, FaultRecord]]] = {}
    for key in sorted(newest, key=lambda k: (PROFILES.index(k[0]) if k[0] in PROFILES else 9, order.get(k[1], 99),
                                             SIDES.index(k[2]) if k[2] in SIDES else 9)):
        by_profile.setdefault(key[0], []).append(newest[key])
    return by_profile


def _html_table(settings: LabSettings, newest: list[tuple[Path, FaultRecord]]) -> str:
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
    return ("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in HEADER) + "</tr>" + "".join(rows)
            + "</table>")


def faults_section(settings: LabSettings, whose: str = "your machine") -> tuple[str, str]:
    """HTML and Markdown, a matrix per profile; two empty strings until `./lab fault` has recorded something."""
    by_profile = _newest(settings)
    if not by_profile:
        return "", ""
    intro = ("Each scenario was run on each orchestrator in turn by `./lab fault`: the fault injected into a "
             "running pair, the run then read from its server every 0.5 s. *Detected*: the server showed the "
             "failure (a failed or retried try, a crashed run); *recovered*: the run ended as it should with no "
             "help beyond the restart the scenario includes; *data intact*: the output table holds exactly the "
             "expected rows, or none at all — never a partial or duplicated load. The stack's profile "
             "(docs/profiles.md) decides how soon dead work is noticed.")
    md = [f"## Fault matrix, {whose}", "", intro, ""]
    body = [f"<section><h2>Fault matrix, {html.escape(whose)}</h2><p>{html.escape(intro).replace('*', '')}</p>"]
    for profile, newest in by_profile.items():
        md += [f"### {profile} profile", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        md += ["| " + " | ".join(cell.replace("|", "/") for cell in _row(r)) + " |" for _, r in newest]
        md += [""]
        body += [f"<h3>{html.escape(profile)} profile</h3>", _html_table(settings, newest)]
    md += ["What each scenario does: " + "; ".join(f"**{s.name}**: {s.summary}" for s in SCENARIOS.values())
           + ".", ""]
    body += ["<ul>" + "".join(f"<li><b>{html.escape(s.name)}</b> ({html.escape(s.pair)}): "
                              f"{html.escape(s.summary)}</li>" for s in SCENARIOS.values()) + "</ul></section>"]
    return "".join(body), "\n".join(md)
