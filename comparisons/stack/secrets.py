"""The `.env` file: the one store of credentials, shared by native mode and docker compose.

Values left blank in `.env.example` are generated on first use and written with mode 0600; values a
user sets are kept. Nothing here is ever logged.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from comparisons.errors import SetupError

__all__ = ["DEFAULTS", "GENERATED", "check_values", "ensure_env_file", "read_env_file"]


def _token() -> str:
    return secrets.token_urlsafe(24)


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


#: Secrets the lab generates when `.env` leaves them blank.
GENERATED: Mapping[str, Callable[[], str]] = {
    "LAB_ADMIN_PASSWORD": _token,
    "LAB_AIRFLOW_DB_PASSWORD": _token,
    "LAB_PREFECT_DB_PASSWORD": _token,
    "LAB_WAREHOUSE_DB_PASSWORD": _token,
    "LAB_AIRFLOW_JWT_SECRET": _token,
    "LAB_AIRFLOW_API_SECRET_KEY": _token,
    "LAB_AIRFLOW_FERNET_KEY": _fernet_key,
    "LAB_PIPELINE_SECRET": _token,
    "LAB_POSTGRES_PASSWORD": _token,  # docker compose only: the postgres container's superuser
}

DEFAULTS: Mapping[str, str] = {"LAB_ADMIN_USERNAME": "admin", "LAB_EXPORT_COUNTRY": "DE"}


#: Passwords that go into connection URLs: RFC 3986's unreserved characters, so none needs encoding.
IN_URLS = ("LAB_AIRFLOW_DB_PASSWORD", "LAB_PREFECT_DB_PASSWORD", "LAB_WAREHOUSE_DB_PASSWORD",
           "LAB_POSTGRES_PASSWORD")
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
# The others go into JSON and TOML strings and Airflow's user list: no quotes, backslashes, spaces.
_PLAIN = re.compile(r"[A-Za-z0-9._~+/=!$%&*?^@#-]+")


def check_values(values: Mapping[str, str]) -> None:
    """Refuse a value the lab cannot pass on unchanged, naming the variable and what to do."""
    for key, value in values.items():
        allowed, what = (_URL_SAFE, "letters, digits and . _ ~ -") if key in IN_URLS else (
            _PLAIN, "letters, digits and . _ ~ + / = ! $ % & * ? ^ @ # -")
        if value and not allowed.fullmatch(value):
            bad = sorted({c for c in value if not allowed.fullmatch(c)})
            raise SetupError(
                f"{key} holds {' '.join(repr(c) for c in bad)}, which the lab cannot pass on unchanged "
                f"(it goes into a connection URL or a JSON string): use only {what}, or leave it blank "
                "to have one generated.")


def read_env_file(path: Path) -> dict[str, str]:
    """Parse ``KEY=value`` lines (comments and blank lines ignored; no shell expansion)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise SetupError(f"{path}:{number}: expected KEY=value, got {line!r}. Fix or delete that line.")
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


@contextlib.contextmanager
def _only_writer(folder: Path) -> Iterator[None]:
    """Hold `folder`'s lock: two lab processes on a fresh clone (`./lab test`'s two lanes, `up` in
    another terminal) must agree on one set of generated secrets."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise SetupError(f"cannot open {folder}: {exc.strerror}. Make the folder readable.") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def ensure_env_file(path: Path, example: Path) -> dict[str, str]:
    """Return the lab's credentials, creating or completing `.env` from `.env.example` first."""
    values = read_env_file(path)
    check_values(values)
    if all(values.get(k) for k in (*DEFAULTS, *GENERATED)):
        return values
    with _only_writer(path.parent):
        return _complete_env_file(path, example)


def _complete_env_file(path: Path, example: Path) -> dict[str, str]:
    values = read_env_file(path)
    missing = {k: v for k, v in DEFAULTS.items() if not values.get(k)}
    missing |= {k: make() for k, make in GENERATED.items() if not values.get(k)}
    check_values(values)
    if not missing:
        return values
    template = example.read_text() if example.exists() else ""
    lines = path.read_text().splitlines() if path.exists() else template.splitlines()
    out: list[str] = []
    for line in lines:
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and key in missing:
            out.append(f"{key}={missing.pop(key)}")
        else:
            out.append(line)
    out += [f"{key}={value}" for key, value in missing.items()]
    try:
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(out) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise SetupError(f"cannot write {path}: {exc.strerror}. Make the folder writable.") from exc
    return read_env_file(path)
