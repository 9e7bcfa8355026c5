"""The seed lesson's Prefect constructs, each tried for real on the installed Prefect; one JSON line each.

Run inside Prefect's venv, from the repo root::

    PYTHONPATH=. .lab/venvs/prefect/bin/python -m comparisons.inside.prefect.drift

Each probe runs the lesson's snippet nearly verbatim (a path under the sandbox instead of /tmp/prefect,
a 0.5 s timeout instead of an hour) and checks that it does what the lesson says. Everything happens in
a throw-away PREFECT_HOME: the caller's PREFECT_* settings are dropped, so nothing reaches the lab's
server. Imports and decorations need no server; flow runs, blocks, work pools and deployments share one
ephemeral server, started in the background at the start (10-15 s, far longer on a loaded host) from the
migrated template DB the in-process runner keeps. Logs and the lesson's prints go to stderr.

The probes are one module per section of the lesson (`probes_start` for §2 to `probes_advanced` for §7),
run in the order of `constructs.CONSTRUCTS`; `sandbox` is the home and the server they share.
"""

from __future__ import annotations

import atexit
import importlib.metadata
import shutil
import sys
import tempfile
from pathlib import Path

from comparisons.inside.common.inprocess import claim_stdout
from comparisons.inside.common.probe import ProbeBroken, probe_all
from comparisons.inside.prefect.drift.constructs import CONSTRUCTS
from comparisons.inside.prefect.drift.sandbox import SERVER, isolate

ORCHESTRATOR = "prefect"


def main() -> int:
    """Every construct in order, one JSON line each on the real stdout; exit 2 if the sandbox itself broke."""
    out = claim_stdout()
    sandbox = Path(tempfile.mkdtemp(prefix="lab-drift-prefect-"))
    # Registered before Prefect registers its server's stop: atexit runs last-in first-out.
    atexit.register(shutil.rmtree, sandbox, ignore_errors=True)
    isolate(sandbox)
    version = importlib.metadata.version("prefect")
    import prefect  # noqa: F401  (import cost paid here, not by the first probe)

    SERVER.start()
    try:
        probe_all(CONSTRUCTS, ORCHESTRATOR, version, sandbox, out)
    except ProbeBroken as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
