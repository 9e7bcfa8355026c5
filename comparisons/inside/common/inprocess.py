"""Helpers both in-process runners share: argument parsing and the one-JSON-line result protocol.

Standard library only: this module runs inside each orchestrator's venv.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from comparisons.inside import INPROCESS_MODULES

REPO_ROOT = Path(__file__).resolve().parents[3]


def parse_args(orchestrator: str, argv: list[str] | None = None) -> argparse.Namespace:
    """Parse `PAIR [PAIR ...] [--param key=value ...] [--params-json '{"pair": {...}}']`.

    `--param` applies to every pair (values are JSON when they parse, else strings); `--params-json`
    gives each pair its own. Several pairs run in one process, paying the orchestrator's start once.
    """
    parser = argparse.ArgumentParser(
        prog=f"python -m {INPROCESS_MODULES[orchestrator]}",
        description=f"Run one lab pipeline in-process on {orchestrator}; the last stdout line is the outcome as JSON.",
    )
    parser.add_argument("pairs", nargs="+", metavar="PAIR", help="pipeline pair name(s), e.g. etl_basic")
    parser.add_argument("--params-json", default="{}", help='per-pair parameters, e.g. {"etl_basic": {"n_rows": 5}}')
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="pipeline parameter; VALUE is parsed as JSON (so 100 is an int), else kept as a string",
    )
    args = parser.parse_args(argv)
    params: dict[str, Any] = {}
    for item in args.param:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            parser.error(f"--param expects KEY=VALUE, got {item!r}")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    try:
        per_pair = json.loads(args.params_json)
    except json.JSONDecodeError as exc:
        parser.error(f"--params-json is not JSON: {exc}")
    args.params = {pair: {**params, **per_pair.get(pair, {})} for pair in args.pairs}
    return args


def pipeline_file(folder: str, pair: str) -> Path:
    """Path of the pair's pipeline file, or FileNotFoundError listing the known pairs."""
    path = REPO_ROOT / folder / f"{pair}.py"
    if not path.is_file():
        known = sorted(p.stem for p in (REPO_ROOT / folder).glob("*.py") if not p.stem.startswith("_"))
        raise FileNotFoundError(f"no pipeline {path}; known pairs in {folder}/: {known}")
    return path


def claim_stdout() -> int:
    """Point fd 1 at stderr and return a private copy of the real stdout.

    Orchestrator and task logs then all land on stderr, and the result written
    to the returned fd is the only (hence the last) line on stdout.
    """
    sys.stdout.flush()
    real_stdout = os.dup(1)
    os.dup2(2, 1)
    return real_stdout


def emit(fd: int, result: dict[str, Any]) -> None:
    """Write one pair's result as one JSON line on the real stdout (the caller closes `fd`)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(fd, (json.dumps(result, sort_keys=True) + "\n").encode())


def run_all(orchestrator: str, pairs: list[str], params: dict[str, dict[str, Any]],
            run: Callable[[str, dict[str, Any]], dict[str, Any]]) -> int:
    """Run each pair in turn, one JSON line per pair on the real stdout; exit 0 only if all succeeded."""
    stdout = claim_stdout()
    states = []
    try:
        for pair in pairs:
            result: dict[str, Any] = {"pair": pair, "orchestrator": orchestrator}
            try:
                result |= run(pair, params[pair])
            except Exception as exc:  # any failure becomes the JSON outcome, with the traceback on stderr
                traceback.print_exc()
                result |= {"state": "failed", "tasks": {}, "error": f"{type(exc).__name__}: {exc}"}
            emit(stdout, result)
            states.append(result["state"])
    finally:
        os.close(stdout)
    return 0 if set(states) == {"success"} else 1
