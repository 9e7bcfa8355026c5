"""The harness's settings: where things live and how to reach the servers, built once and passed down."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from comparisons.errors import LabError, SetupError
from comparisons.stack.services import AIRFLOW_PORT, NATIVE_START_COMMAND, PREFECT_PORT

Side = Literal["airflow", "prefect"]
SIDES: tuple[Side, ...] = ("airflow", "prefect")

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LabSettings:
    """Paths and endpoints of one lab checkout.

    ``state`` holds everything generated (environments, logs, pid files, Airflow and Prefect
    homes); ``results`` and ``reports`` hold what the harness writes. All three are git-ignored.
    """

    root: Path = REPO_ROOT
    state: Path = field(default=REPO_ROOT / ".lab")
    results: Path = field(default=REPO_ROOT / "results")
    reports: Path = field(default=REPO_ROOT / "reports")
    env_file: Path = field(default=REPO_ROOT / ".env")
    #: The UI pictures `./lab screenshots` takes: committed, so the docs show them on a forge.
    screenshots: Path = field(default=REPO_ROOT / "docs" / "screenshots")
    # Where the harness reaches the servers: native mode's defaults; the compose `lab` service sets
    # LAB_AIRFLOW_URL / LAB_PREFECT_URL / LAB_POSTGRES_HOST to the compose network's service names.
    airflow_url: str = f"http://127.0.0.1:{AIRFLOW_PORT}"
    prefect_url: str = f"http://127.0.0.1:{PREFECT_PORT}/api"
    postgres_host: str = "127.0.0.1"
    #: What starts the servers, named in the errors of a harness that cannot reach them; the compose
    #: `lab` service sets LAB_START_COMMAND (it does not start the stack itself: see compose.py).
    start_command: str = NATIVE_START_COMMAND

    @classmethod
    def from_environment(cls, root: Path = REPO_ROOT) -> LabSettings:
        """Defaults under ``root``; ``LAB_STATE_DIR``/``LAB_RESULTS_DIR``/``LAB_REPORTS_DIR`` move them."""
        def pick(name: str, default: Path) -> Path:
            value = os.environ.get(name)
            return Path(value).resolve() if value else default

        return cls(
            root=root,
            state=pick("LAB_STATE_DIR", root / ".lab"),
            results=pick("LAB_RESULTS_DIR", root / "results"),
            reports=pick("LAB_REPORTS_DIR", root / "reports"),
            env_file=pick("LAB_ENV_FILE", root / ".env"),
            screenshots=root / "docs" / "screenshots",
            airflow_url=os.environ.get("LAB_AIRFLOW_URL") or cls.airflow_url,
            prefect_url=os.environ.get("LAB_PREFECT_URL") or cls.prefect_url,
            postgres_host=os.environ.get("LAB_POSTGRES_HOST") or cls.postgres_host,
            start_command=os.environ.get("LAB_START_COMMAND") or cls.start_command,
        )

    def require_writable_state(self) -> None:
        """Create ``logs/`` and ``run/`` and write a file there, so a state folder that cannot be written
        fails once with what to do, before a command starts anything, not as a traceback mid-way."""
        try:
            for folder in (self.logs, self.run_dir):
                folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.logs):
                pass
        except OSError as error:
            raise SetupError(
                f"the lab's state folder {self.state} is not writable ({error.strerror}: {error.filename}). "
                f"Make it writable, or point LAB_STATE_DIR at a folder you can write, and run the command again."
            ) from None

    @cached_property
    def secrets(self) -> dict[str, str]:
        """The lab's `.env` values (logins, database passwords), read once per settings object."""
        from comparisons.stack.secrets import read_env_file

        values = read_env_file(self.env_file)
        if not values:  # not cached: `./lab up` may create the file later in the same process
            raise LabError(f"{self.env_file} is missing: start the lab with `{self.start_command}` first.")
        return values

    @property
    def database_prefix(self) -> str:
        """What native mode puts before its PostgreSQL role and database names: `lab_<6 hex>_`, from
        the path of the `.env` that holds their passwords. Checkouts share the machine's one cluster;
        with names of their own, one checkout's `./lab up` never resets another's passwords. The
        compose harness sets LAB_DATABASE_PREFIX to "" (its own PostgreSQL keeps the plain names)."""
        if "LAB_DATABASE_PREFIX" in os.environ:
            prefix = os.environ["LAB_DATABASE_PREFIX"]
            if not re.fullmatch(r"[a-z0-9_]{0,20}", prefix):
                raise SetupError(f"LAB_DATABASE_PREFIX={prefix!r}: use up to 20 lowercase letters, digits and _.")
            return prefix
        return f"lab_{hashlib.sha256(str(self.env_file.resolve()).encode()).hexdigest()[:6]}_"

    @property
    def work_log(self) -> Path:
        """Where the tasks' own clocks write (`shared_logic.work_clock`); LAB_WORK_LOG in compose."""
        value = os.environ.get("LAB_WORK_LOG")
        return Path(value) if value else self.state / "work-log"

    def venv(self, name: str) -> Path:
        return self.state / "venvs" / name

    def venv_bin(self, name: str, program: str) -> Path:
        return self.venv(name) / "bin" / program

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def run_dir(self) -> Path:
        return self.state / "run"

    @property
    def airflow_dags(self) -> Path:
        return self.root / "airflow_dags"

    @property
    def prefect_flows(self) -> Path:
        return self.root / "prefect_flows"

    def log_file(self, service: str) -> Path:
        return self.logs / f"{service}.log"
