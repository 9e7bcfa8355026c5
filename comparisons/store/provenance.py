"""Where a record was made: the commit and the machine, stamped on every record kind."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["git_commit", "host_info"]


def git_commit(root: Path) -> str:
    try:
        result = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False)
    except OSError:  # no git, e.g. in the compose `lab` container
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def host_info() -> dict[str, Any]:
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"hostname": socket.gethostname(), "cpus": os.cpu_count(), "cpu_model": cpu,
            "memory_gib": round(memory_kb / 1024 / 1024, 1), "os": platform.platform(),
            "python": platform.python_version()}
