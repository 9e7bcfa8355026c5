"""Reads what `shared_logic.work_clock` wrote for a run: the pipeline's own code, timed inside its tasks."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from comparisons.store.runs import RunRecord, WorkSpan
from shared_logic.work_clock import log_path

__all__ = ["with_work"]


def read_spans(folder: Path, side: str, run_id: str) -> tuple[WorkSpan, ...]:
    path = log_path(folder, side, run_id)
    if not path.exists():
        return ()
    spans = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
            spans.append(WorkSpan(entry["function"], datetime.fromtimestamp(entry["start"], UTC),
                                  float(entry["seconds"]), bool(entry.get("failed", False))))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut by a killed task process: the rest of the run still counts
    return tuple(sorted(spans, key=lambda span: span.start))


def with_work(record: RunRecord, folder: Path | None) -> RunRecord:
    """The record with its run's measured calls attached (unchanged when nothing was measured)."""
    if folder is None:
        return record
    spans = read_spans(folder, record.orchestrator, record.run_id)
    return dataclasses.replace(record, work=spans) if spans else record
