"""The `lab-secrets` job of docker-compose.yml: fill the secrets volume, so a bare `up` needs no `.env`.

Runs once per `up`, before PostgreSQL, as root, with nothing but Python's standard library (in the
Airflow image). The values are kept in `values.env` (root only) in the volume: the first `up`
generates each one, or takes it from `.env` when the user set it there; later runs keep them, so
the databases' passwords never drift. From those it writes one folder per reader
(`compose.SECRET_READERS`), each file owned by the user that service runs as. It prints no value.

    python -m comparisons.stack.compose_secrets /run/lab-secrets
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from comparisons.errors import SetupError
from comparisons.stack.compose import HARNESS_SECRETS, fill, secret_templates
from comparisons.stack.secrets import DEFAULTS, GENERATED, check_values, read_env_file

__all__ = ["main", "resolve_values", "write_volume"]

CHECKOUT = Path(__file__).resolve().parents[1]  # the mounted ./comparisons: its owner is the user's
POSTGRES_USER = (999, 999)  # the official postgres image's postgres user


def resolve_values(stored: Mapping[str, str], given: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The values to use and what was generated; refuse a `.env` value that would contradict the databases."""
    values: dict[str, str] = {}
    generated = []
    for key, make in {**GENERATED, **{k: (lambda v=v: v) for k, v in DEFAULTS.items()}}.items():
        wanted = given.get(key, "").strip()
        if key in stored and wanted and wanted != stored[key] and key in GENERATED:
            raise SetupError(
                f"{key} in .env differs from the value this lab's volumes were created with. Remove it from "
                "`.env` to keep the current one, or run `docker compose down -v` first (this deletes the "
                "databases and the secrets) to start afresh with the new value.")
        values[key] = wanted or stored.get(key) or make()
        if key in GENERATED and not wanted and key not in stored:
            generated.append(key)
    check_values(values)
    return values, generated


def _write(path: Path, content: str, owner: tuple[int, int], mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.chown(tmp, *owner)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_volume(root: Path, values: Mapping[str, str], airflow_uid: int, checkout_owner: tuple[int, int]) -> int:
    """Write every reader's folder under `root`; returns the number of files."""
    owners = {"postgres": POSTGRES_USER, "airflow": (airflow_uid, 0), "prefect": (0, 0), "lab": checkout_owner}
    files = secret_templates()
    for folder, owner in owners.items():
        directory = root / folder
        directory.mkdir(exist_ok=True)
        os.chown(directory, *owner)
        # group 0 may read Airflow's: the official image runs any AIRFLOW_UID with group 0
        directory.chmod(0o550 if folder == "airflow" else 0o500)
    for name, template in files.items():
        folder = name.split("/", 1)[0]
        _write(root / name, fill(template, values), owners[folder], 0o440 if folder == "airflow" else 0o400)
    return len(files)


def _airflow_uid(text: str) -> int:
    if not text.isdigit():
        raise SetupError(f"AIRFLOW_UID={text!r} in .env is not a number: set it to your user id (`id -u`) "
                         "or remove it to use the image's 50000.")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    root = Path((argv or sys.argv[1:] or ["/run/lab-secrets"])[0])
    store = root / "values.env"
    try:
        stored = read_env_file(store)
        values, generated = resolve_values(stored, os.environ)
        _write(store, "".join(f"{key}={value}\n" for key, value in values.items()), (0, 0), 0o600)
        stat = CHECKOUT.stat()
        count = write_volume(root, values, _airflow_uid(os.environ.get("AIRFLOW_UID", "50000")),
                             (stat.st_uid, stat.st_gid))
    except SetupError as error:
        print(f"lab-secrets: {error}", file=sys.stderr)
        return 2
    kept = len(GENERATED) - len(generated)
    print(f"lab-secrets: {count} files in the secrets volume ({len(generated)} secrets generated now, "
          f"{kept} kept or taken from .env). The Airflow UI login: "
          f"user {values['LAB_ADMIN_USERNAME']}, password `docker compose run --rm lab credentials`.")
    assert set(HARNESS_SECRETS) <= set(values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
