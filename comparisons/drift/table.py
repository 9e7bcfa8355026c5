"""The lesson's drift table: run both probe scripts, keep their records, render them.

Runs in the lab's venv. `run_probes` starts the probe scripts (`PROBES`, under `comparisons/inside/`) in
their orchestrators' venvs (side by side: most of their time is a server or a metadata DB starting), checks
every record they print, and `write` stores one run as one JSON file under `results/drift/`, atomically and
never rewritten. The table is rendered from that file alone, so `./lab drift`, the report and the README all
show what the probes really observed on the pinned releases.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import resource
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from comparisons.errors import LabError, SetupError
from comparisons.inside.common.probe import FAILS, MISBEHAVES, OUTCOMES
from comparisons.settings import LabSettings
from comparisons.store.drift import ORCHESTRATORS, DriftRun, latest, validate
from comparisons.store.provenance import git_commit, host_info

__all__ = ["drift_section", "render_html", "render_markdown", "run_probes"]

PROBES = {"prefect": "comparisons.inside.prefect.drift", "airflow": "comparisons.inside.airflow.drift_probes"}
LABELS = {"prefect": "Prefect", "airflow": "Airflow"}
assert set(PROBES) == set(ORCHESTRATORS), "a drift probe per orchestrator a drift record may name"
HEADER = ["§", "construct", "on", "outcome", "observed (the error, the misbehaviour, or what was checked)",
          "current equivalent", "lab pair"]


def _run_probe_scripts(settings: LabSettings, timeout: float) -> tuple[dict[str, str], dict[str, float]]:
    """Both scripts side by side; what each printed, and the wall and CPU seconds it took.

    Their logs (the orchestrators' and the lesson's output) go to `.lab/logs/drift-<orchestrator>.log`.
    """
    settings.logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(settings.root)}
    for orchestrator in PROBES:
        if not settings.venv_bin(orchestrator, "python").exists():
            raise SetupError(f"{settings.venv_bin(orchestrator, 'python')} is missing: `./lab setup` creates "
                             "the orchestrators' environments.")
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with contextlib.ExitStack() as files:
        running, outputs = {}, {}
        for orchestrator, module in PROBES.items():
            log = files.enter_context(settings.log_file(f"drift-{orchestrator}").open("w"))
            outputs[orchestrator] = files.enter_context(tempfile.TemporaryFile("w+"))
            running[orchestrator] = subprocess.Popen(
                [str(settings.venv_bin(orchestrator, "python")), "-m", module], cwd=settings.root, env=env,
                stdout=outputs[orchestrator], stderr=log, text=True)
        seconds: dict[str, float] = {}
        try:
            while len(seconds) < len(running):
                for orchestrator, process in running.items():
                    if orchestrator not in seconds and process.poll() is not None:
                        seconds[orchestrator] = round(time.monotonic() - started, 1)
                if time.monotonic() - started > timeout:
                    late = sorted(set(running) - set(seconds))
                    raise LabError(f"the {' and '.join(late)} drift probes took over {timeout:.0f} s; see "
                                   f"{settings.logs}/drift-*.log (on a loaded machine, raise --timeout)")
                time.sleep(0.2)
        finally:
            for process in running.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        for orchestrator, process in running.items():
            if process.returncode != 0:
                log_path = settings.log_file(f"drift-{orchestrator}")
                tail = log_path.read_text().strip().splitlines()[-5:]
                raise LabError(f"the {orchestrator} drift probes failed (exit {process.returncode}); "
                               f"last lines of {log_path}:\n  " + "\n  ".join(tail))
        printed = {}
        for orchestrator, handle in outputs.items():
            handle.seek(0)
            printed[orchestrator] = handle.read()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds["total"] = round(time.monotonic() - started, 1)
    seconds["cpu"] = round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1)
    return printed, seconds


def run_probes(settings: LabSettings, timeout: float = 600.0) -> DriftRun:
    """Run both probe scripts for real and return their checked records, Prefect's first."""
    outputs, seconds = _run_probe_scripts(settings, timeout)
    records = []
    for orchestrator, stdout in outputs.items():
        lines = [line for line in stdout.splitlines() if line.strip()]
        if not lines:
            raise LabError(f"the {orchestrator} drift probes printed no records; see "
                           f"{settings.log_file(f'drift-{orchestrator}')}")
        for line in lines:
            try:
                record = validate(json.loads(line))
            except ValueError as exc:  # JSONDecodeError is a ValueError
                raise LabError(f"the {orchestrator} drift probes printed a bad record: {exc}") from None
            if record["orchestrator"] != orchestrator:
                raise LabError(f"{PROBES[orchestrator]} printed a record for {record['orchestrator']}")
            records.append(record)
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        raise LabError(f"drift record ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    return DriftRun(records=records, seconds=seconds, git_commit=git_commit(settings.root), host=host_info())


def _section_key(record: dict[str, Any]) -> tuple[int, ...]:
    return tuple(int(part) for part in record["lesson_section"].split("."))


def _rows(run: DriftRun) -> list[list[str]]:
    ordered = sorted(run.records, key=_section_key)  # stable: each script's own order within a section
    return [[r["lesson_section"], r["construct"], f"{LABELS[r['orchestrator']]} {r['version']}", r["outcome"],
             r["detail"], r["replacement"], r["pair"] or "—"]
            for r in ordered]


def _summary(run: DriftRun) -> str:
    counts = {outcome: sum(r["outcome"] == outcome for r in run.records) for outcome in OUTCOMES}
    plural = "s" * (len(run.records) != 1)
    return f"{len(run.records)} construct{plural} — " + "; ".join(f"{o}: {n}" for o, n in counts.items() if n)


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(run: DriftRun) -> str:
    """The table as Markdown: one row per construct, in the lesson's order."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in _rows(run):
        cells = [_md_cell(cell) for cell in row]
        cells[1] = f"`{cells[1]}`"
        if row[3] in (FAILS, MISBEHAVES):
            cells[3] = f"**{cells[3]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_html(run: DriftRun) -> str:
    """The same table as an HTML fragment (failures and silent misbehaviour in the report's red)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADER)
    body = []
    for row in _rows(run):
        cells = [html.escape(cell) for cell in row]
        cells[1] = f"<code>{cells[1]}</code>"
        if row[3] in (FAILS, MISBEHAVES):
            cells[3] = f'<span class="failed">{cells[3]}</span>'
        body.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _intro(path: Path, run: DriftRun) -> str:
    versions = ", ".join(f"{LABELS[name]} {version}" for name, version in sorted(run.versions.items(),
                                                                                 reverse=True))
    return (f"Every construct of the Prefect 2-era lesson, tried for real on {versions} by `./lab drift` "
            f"({run.created_at}, `{path.parent.name}/{path.name}`). {_summary(run)}.")


def _html_text(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def drift_section(results: Path, whose: str = "your machine") -> tuple[str, str]:
    """The report's section, HTML and Markdown, from the newest stored run alone."""
    title = f"The lesson's drift, {whose}"
    try:
        found = latest(results)
    except LabError as exc:  # one bad file must not cost the whole report
        found, missing = None, str(exc)
    else:
        missing = "No drift record yet: run `./lab drift`."
    if found is None:
        return (f"<section><h2>{title}</h2><p>{_html_text(missing)}</p></section>",
                f"## {title}\n\n{missing}\n")
    intro = _intro(*found)
    return (f"<section><h2>{title}</h2><p>{_html_text(intro)}</p>{render_html(found[1])}</section>",
            f"## {title}\n\n{intro}\n\n{render_markdown(found[1])}")
