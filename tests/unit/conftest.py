"""Unit tests run with no PostgreSQL and no orchestrator environment, and write nothing into the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from comparisons.settings import REPO_ROOT
from comparisons.stack.secrets import ensure_env_file


@pytest.fixture(scope="session")
def lab_secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Freshly generated credentials in a scratch `.env`, never the user's."""
    return ensure_env_file(Path(tmp_path_factory.mktemp("env")) / ".env", REPO_ROOT / ".env.example")


@pytest.fixture(scope="session")
def warehouse_test_dsn() -> str:
    pytest.fail("unit tests need no PostgreSQL: a test that loads into the warehouse belongs in tests/pipelines")
