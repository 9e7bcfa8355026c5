"""Shared fixtures: a real PostgreSQL for every layer that needs one.

The warehouse used by tests is a database of its own (`warehouse_test`), so tests never touch the
tables a user's runs wrote.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from comparisons.settings import LabSettings
from comparisons.stack import postgres
from comparisons.stack.secrets import ensure_env_file
from comparisons.stack.services import DATABASES, POSTGRES_PORT

TEST_DATABASE = "warehouse_test"


@pytest.fixture(scope="session")
def settings() -> LabSettings:
    return LabSettings.from_environment()


@pytest.fixture(scope="session")
def lab_secrets(settings: LabSettings) -> dict[str, str]:
    return ensure_env_file(settings.env_file, settings.root / ".env.example")


@pytest.fixture(scope="session")
def warehouse_test_dsn(settings: LabSettings, lab_secrets: dict[str, str]) -> Iterator[str]:
    """A DSN for a scratch warehouse database, with PostgreSQL started if it was down."""
    postgres.start_cluster(settings.run_dir / "postgres.started-by-lab")
    postgres.ensure_databases(lab_secrets)
    role, key = DATABASES["warehouse"]
    postgres.ensure_database(TEST_DATABASE, role)
    dsn = f"postgresql://{role}:{lab_secrets[key]}@127.0.0.1:{POSTGRES_PORT}/{TEST_DATABASE}"
    previous = os.environ.get("LAB_WAREHOUSE_DSN")
    os.environ["LAB_WAREHOUSE_DSN"] = dsn
    yield dsn
    if previous is None:
        os.environ.pop("LAB_WAREHOUSE_DSN", None)
    else:
        os.environ["LAB_WAREHOUSE_DSN"] = previous
