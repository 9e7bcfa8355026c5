"""The three locked environments (airflow, prefect, lab), created and synced with uv.

Each side gets its own virtual environment, as its container would: Airflow 3 and Prefect 3 pin
conflicting libraries. `uv pip sync` makes an environment match its lock exactly, so a repeat
install with a warm cache takes seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from comparisons.errors import SetupError
from comparisons.settings import LabSettings

__all__ = ["ENVIRONMENTS", "lock", "sync"]

ENVIRONMENTS = ("airflow", "prefect", "lab")
PYTHON_VERSION = "3.11"


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        raise SetupError("uv is not on PATH. Run the lab through `./lab`, which installs it.")
    return found


def _run(argv: list[str], log: Path, cwd: Path | None = None) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False, cwd=cwd)
    if result.returncode != 0:
        raise SetupError(f"`{' '.join(argv[:4])} ...` failed; see {log}")


def lock_file(settings: LabSettings, name: str) -> Path:
    return settings.root / "requirements" / f"{name}.lock.txt"


def lock(settings: LabSettings, progress: Callable[[str], None] = print) -> None:
    """Re-resolve every `requirements/<env>.in` into its lock (run when you change a pin)."""
    for name in ENVIRONMENTS:
        # Relative paths, so the command recorded in the lock's header is the same on every machine.
        _run([_uv(), "pip", "compile", "--quiet", "--python-version", PYTHON_VERSION, f"requirements/{name}.in",
              "-o", f"requirements/{name}.lock.txt"], settings.logs / "setup.log", cwd=settings.root)
        progress(f"  locked {lock_file(settings, name).relative_to(settings.root)}")


def sync(settings: LabSettings, names: tuple[str, ...] = ENVIRONMENTS,
         progress: Callable[[str], None] = print) -> dict[str, float]:
    """Create each environment if needed and make it match its lock; returns seconds per env."""
    timings = {}
    for name in names:
        started = time.monotonic()
        venv = settings.venv(name)
        log = settings.logs / "setup.log"
        if not (venv / "bin" / "python").exists():
            _run([_uv(), "venv", "--quiet", "--python", sys.executable if name == "lab" else PYTHON_VERSION,
                  str(venv)], log)
        _run([_uv(), "pip", "sync", "--quiet", "--compile-bytecode", "--python", str(venv / "bin" / "python"),
              str(lock_file(settings, name))], log)
        timings[name] = time.monotonic() - started
        progress(f"  {name}: {venv} in sync with {lock_file(settings, name).name} ({timings[name]:.1f} s)")
    return timings
