"""The reference records: `published/` holds one finished bench session, one fault matrix, one drift
run and one fresh clone's `./lab all`, copied from `results/` file for file, so a reader can
re-derive every figure the docs print.

`published/` has the layout of `results/` (comparisons under `<date>/`, `bench/<session>/`,
`faults/`, `drift/`, `first-run/`), so the report and the docs read it with the same loaders. Publishing a kind
replaces the previous reference of that kind; git keeps the history.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from comparisons.bench.plan import family
from comparisons.errors import LabError
from comparisons.settings import LabSettings
from comparisons.store.bench import BenchRecord, load_bench
from comparisons.store.comparison import load_comparisons
from comparisons.store.drift import FOLDER as DRIFT_FOLDER
from comparisons.store.drift import latest as latest_drift
from comparisons.store.fault import FOLDER as FAULTS_FOLDER
from comparisons.store.fault import load_faults
from comparisons.store.first_run import FOLDER as FIRST_RUN_FOLDER
from comparisons.store.first_run import latest as latest_first_run

__all__ = ["published", "publish_drift", "publish_faults", "publish_first_run", "publish_session"]


def published(settings: LabSettings) -> LabSettings:
    """The same settings, reading the committed reference records instead of the user's own."""
    return dataclasses.replace(settings, results=settings.root / "published")


def _copy(files: list[Path], source: Path, target: Path) -> int:
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    return len(files)


def _session_files(results: Path, session: str) -> list[Path]:
    comparisons, _ = load_comparisons(results)
    records, _ = load_bench(results)
    return ([path for path, c in comparisons if c.labels.get("bench_session") == session]
            + [path for path, r in records if r.session == session and r.kind != "error"])


def _family(setup: BenchRecord) -> str:
    return family((setup.values.get("plan") or {}).get("name") or "")


def publish_session(settings: LabSettings, session: str, *, partial: bool = False,
                    progress: Callable[[str], None] = print) -> int:
    """Copy a finished bench session into `published/`, replacing the previous one of its stack profile
    and plan family (a scale-out or link session replaces only the session of its own family and profile)."""
    records, _ = load_bench(settings.results)
    known = sorted({r.session for _, r in records})
    setup = next((r for _, r in records if r.session == session and r.kind == "setup"), None)
    if setup is None:
        raise LabError(f"no bench session {session!r} in {settings.results / 'bench'}. "
                       f"Known sessions: {', '.join(known) or '(none: run `./lab bench`)'}.")
    files = _session_files(settings.results, session)
    planned = set(setup.values.get("plan", {}).get("steps", []))
    done = {json.loads(path.read_text()).get("labels", {}).get("key") for path in files} | {
        r.key for _, r in records if r.session == session}
    missing = sorted(planned - done)
    if missing and not partial:
        raise LabError(f"session {session} is not finished: {len(missing)} of {len(planned)} steps are missing "
                       f"(first: {', '.join(missing[:3])}). Run `./lab bench` to resume it, or publish it as it is "
                       f"with --partial (the docs then say which steps are missing).")
    target = published(settings).results
    # The previous reference session of the same stack profile and kind goes, as a whole; the others stay.
    replaced = {r.session for _, r in load_bench(target).records
                if r.kind == "setup" and r.profile == setup.profile and _family(r) == _family(setup)}
    for old in replaced:
        shutil.rmtree(target / "bench" / old, ignore_errors=True)
    for path, comparison in load_comparisons(target).records:
        if comparison.labels.get("bench_session") in replaced:
            path.unlink()
    count = _copy(files, settings.results, target)
    progress(f"published bench session {session}: {count} records in {target}"
             + (f" ({len(missing)} planned steps missing)" if missing else ""))
    return count


def publish_faults(settings: LabSettings, progress: Callable[[str], None] = print) -> int:
    """Copy the newest record of each (profile, scenario, orchestrator) into `published/faults/`.

    Each record replaces the published one of the same profile, scenario and side; the others stay,
    so a matrix can be published a scenario at a time (the scale-out ones after the rest).
    """
    loaded = load_faults(settings.results)
    for path, why in loaded.unreadable:
        raise LabError(f"{path} is not a fault record ({why}): move it away, then publish again.")
    newest = {(r.profile, r.scenario, r.orchestrator): path for path, r in loaded.records}  # oldest first
    if not newest:
        raise LabError(f"no fault records in {settings.results / FAULTS_FOLDER}: run `./lab fault all` first.")
    target = published(settings).results / FAULTS_FOLDER
    profiles = {profile for profile, _, _ in newest}
    for path, record in load_faults(published(settings).results).records:
        if (record.profile, record.scenario, record.orchestrator) in newest:
            path.unlink()
    count = _copy(sorted(newest.values()), settings.results / FAULTS_FOLDER, target)
    progress(f"published {count} fault records ({', '.join(sorted(profiles))} profile) in {target}")
    return count


def publish_drift(settings: LabSettings, progress: Callable[[str], None] = print) -> int:
    """Copy the newest drift run into `published/drift/`, replacing the previous one."""
    found = latest_drift(settings.results)
    if found is None:
        raise LabError(f"no drift run in {settings.results / DRIFT_FOLDER}: run `./lab drift` first.")
    target = published(settings).results / DRIFT_FOLDER
    shutil.rmtree(target, ignore_errors=True)
    _copy([found[0]], settings.results / DRIFT_FOLDER, target)
    progress(f"published drift run {found[0].name} in {target}")
    return 1


def publish_first_run(settings: LabSettings, progress: Callable[[str], None] = print) -> int:
    """Copy the newest record of a `./lab all` on a fresh clone into `published/first-run/`."""
    found = latest_first_run(settings.results)
    if found is None:
        raise LabError(f"no record of `./lab all` on a fresh clone in {settings.results / FIRST_RUN_FOLDER}: "
                       "run it on a fresh clone (`git clone … && ./lab all`), then publish here with "
                       "LAB_RESULTS_DIR=<that clone>/results.")
    target = published(settings).results / FIRST_RUN_FOLDER
    shutil.rmtree(target, ignore_errors=True)
    _copy([found[0]], settings.results / FIRST_RUN_FOLDER, target)
    progress(f"published first run {found[0].name} in {target}")
    return 1
