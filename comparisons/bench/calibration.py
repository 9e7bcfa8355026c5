"""How fast this machine is right now, so that sessions measured on other days can be compared.

Absolute timings depend on the machine's state as much as on the code: a shared host's neighbours,
its CPU's clock. Each sweep times two fixed pieces of work at its start and at its end, with the
stack up and idle: a pure-Python loop (the CPU), and starting a Python process that imports a fixed
set of modules (what every Prefect flow run and every fresh task process pays). The report prints
both beside the session's conditions: two sessions whose calibrations differ ran on machines of
different speed, and their absolute figures cannot be set side by side.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

__all__ = ["calibrate", "describe"]

REPEAT = 3
LOOP = ("import time\nstarted = time.perf_counter()\ntotal = 0\nfor i in range(3_000_000):\n"
        "    total += i * i % 7\nprint(time.perf_counter() - started)")
IMPORTS = "import asyncio, decimal, email.parser, http.client, json, logging, sqlite3, ssl, uuid"


def calibrate(python: str = sys.executable, repeat: int = REPEAT) -> dict[str, float]:
    """The median of `repeat` timings of the loop (inside its process) and of a process start with the imports."""
    loops, starts = [], []
    for _ in range(repeat):
        # -I: no user site, no PYTHON* variables, so every session times the same interpreter work.
        done = subprocess.run([python, "-I", "-c", LOOP], capture_output=True, text=True, check=True, timeout=300)
        loops.append(float(done.stdout))
        began = time.perf_counter()
        subprocess.run([python, "-I", "-c", IMPORTS], capture_output=True, check=True, timeout=300)
        starts.append(time.perf_counter() - began)
    return {"python_loop_s": statistics.median(loops), "process_start_s": statistics.median(starts),
            "repeat": repeat}


def describe(start: dict[str, float] | None, end: dict[str, float] | None) -> str:
    """The calibration for a session's conditions line; empty for a session that recorded none."""
    def one(values: dict[str, float]) -> str:
        return (f"a fixed Python loop {values['python_loop_s']:.2f} s, a Python start with fixed imports "
                f"{values['process_start_s'] * 1000:.0f} ms")
    parts = [f"{when} {one(values)}" for when, values in (("at the start", start), ("at the end", end)) if values]
    return "machine calibration (median of 3): " + "; ".join(parts) if parts else ""
