"""Trying one lesson construct and reporting it: the outcome words and the one-JSON-line-each protocol.

Standard library only: both probe scripts import this inside their orchestrator's venv. A probe is a
function that runs the lesson's snippet and returns a `Finding`; an exception it lets through *is* the
finding ("fails"), so probes never catch the error they exist to observe.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNS = "runs"
RUNS_DEPRECATED = "runs, with a deprecation warning"
FAILS = "fails"
MISBEHAVES = "silently misbehaves"
NOT_RUN = "accepted, not run"
OUTCOMES = (RUNS, RUNS_DEPRECATED, FAILS, MISBEHAVES, NOT_RUN)

DETAIL_LIMIT = 300


@dataclass(frozen=True)
class Finding:
    outcome: str
    detail: str


def runs(checked: str) -> Finding:
    """The snippet ran and did what the lesson says; `checked` says how we know."""
    return Finding(RUNS, checked)


def fails(error: str) -> Finding:
    """The orchestrator caught the error itself and reported it (a DAG file's import error)."""
    return Finding(FAILS, one_line(error))


def misbehaves(what: str) -> Finding:
    """The snippet ran without raising but did not do what the lesson says."""
    return Finding(MISBEHAVES, what)


def not_run(checked: str) -> Finding:
    """Running it would need what a probe must not touch (a cloud account, a second server); `checked` is
    what was verified instead (the command parses with the lesson's options)."""
    return Finding(NOT_RUN, checked)


class CommandFailed(Exception):
    """A lesson CLI command exited non-zero; the message is the command's own error, already readable."""


class ProbeBroken(Exception):
    """The probe's own sandbox failed (no throw-away server, no metadata DB): not a finding about the
    lesson, so the whole run stops instead of blaming a construct."""


@dataclass(frozen=True)
class Construct:
    """One construct of the lesson and where the lab shows its current form."""

    id: str
    construct: str
    section: str
    replacement: str
    pair: str | None
    probe: Callable[[Path], Finding]


def one_line(text: str, limit: int = DETAIL_LIMIT) -> str:
    """A message as one line without this machine's paths, so records compare across machines."""
    line = re.sub(r" \(/[^)]*\)", "", " ".join(str(text).split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_lesson_deprecation(warning: warnings.WarningMessage) -> bool:
    """A deprecation warning aimed at the lesson's code, not one library's note about another.

    Deprecations meant for users point (through their stacklevel) at the calling code: here the probe
    scripts or the DAG file in the sandbox, never a file under site-packages. Airflow's
    DeprecatedImportWarning is a FutureWarning; Prefect's are PrefectDeprecationWarning.
    """
    category = warning.category
    deprecation = issubclass(category, DeprecationWarning | PendingDeprecationWarning | FutureWarning) or (
        "deprecat" in category.__name__.lower())
    filename = str(warning.filename)
    return deprecation and "site-packages" not in Path(filename).parts and not filename.startswith("<")


def attempt(probe: Callable[[Path], Finding], sandbox: Path) -> Finding:
    """Run one probe; an exception becomes "fails", a deprecation warning during a clean run is named."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            finding = probe(sandbox)
        except ProbeBroken:
            raise
        except CommandFailed as exc:
            return Finding(FAILS, one_line(str(exc)))
        except Exception as exc:  # the construct's own error is the finding
            return Finding(FAILS, f"{type(exc).__name__}: {one_line(str(exc))}")
    deprecations = [w for w in caught if _is_lesson_deprecation(w)]
    if finding.outcome == RUNS and deprecations:
        warning = deprecations[0]
        return Finding(RUNS_DEPRECATED, f"{warning.category.__name__}: {one_line(str(warning.message))}")
    return finding


def record(construct: Construct, orchestrator: str, version: str, finding: Finding) -> dict[str, Any]:
    return {
        "id": construct.id, "construct": construct.construct, "lesson_section": construct.section,
        "orchestrator": orchestrator, "version": version, "outcome": finding.outcome,
        "detail": finding.detail, "replacement": construct.replacement, "pair": construct.pair,
    }


def probe_all(constructs: Iterable[Construct], orchestrator: str, version: str, sandbox: Path,
              out: int) -> int:
    """Try every construct in order, writing each record as soon as it is known; returns how many."""
    count = 0
    for construct in constructs:
        started = time.monotonic()
        finding = attempt(construct.probe, sandbox)
        print(f"[drift] {construct.id}: {finding.outcome} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
        line = json.dumps(record(construct, orchestrator, version, finding), sort_keys=True) + "\n"
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(out, line.encode())
        count += 1
    return count
