"""`./lab test` alone passes on a fresh machine: what each layer needs, and a clear skip otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from comparisons.stack import system_packages
from comparisons.stack.system_packages import Need

ABSENT = Need("no-such-package", "/nonexistent/lab-test-binary", frozenset({"browser"}), "a test of the rule")
PRESENT = Need("coreutils", "ls", frozenset({"browser", "live"}), "always there")


def test_a_layer_with_a_missing_package_is_skipped_with_the_package_and_the_fix() -> None:
    reason = system_packages.skip_reason(["live", "browser"], needs=[ABSENT, PRESENT])
    assert reason is not None
    assert "no-such-package" in reason and "apt-get install -y no-such-package" in reason
    assert "./lab test" in reason


def test_layers_that_need_nothing_missing_run() -> None:
    assert system_packages.skip_reason(["live"], needs=[ABSENT, PRESENT]) is None
    assert system_packages.skip_reason([], needs=[ABSENT]) is None


def test_every_layer_with_outside_needs_is_a_declared_marker() -> None:
    text = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    for need in system_packages.NEEDS:
        for layer in need.layers:
            assert f'"{layer}:' in text, f"{need.package} names layer {layer!r}, not a marker in pyproject.toml"


def test_without_root_nothing_is_installed_and_the_missing_ones_are_named(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(system_packages, "NEEDS", (ABSENT, PRESENT))
    monkeypatch.setattr(system_packages, "_can_install", lambda: False)
    said: list[str] = []
    left = system_packages.ensure_for_tests(tmp_path / "apt.log", said.append)
    assert left == [ABSENT]
    assert len(said) == 1 and "no-such-package" in said[0] and "skipped" in said[0]
    assert not (tmp_path / "apt.log").exists()
