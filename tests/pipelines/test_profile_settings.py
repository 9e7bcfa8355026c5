"""The profiles' settings are real settings of the pinned releases, and `stock` holds their own defaults.

Each orchestrator's environment reads the names with no lab settings around (a scratch home), so a
misspelt variable, a renamed option or a default that moved with a pin fails here, not in a benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from comparisons.settings import LabSettings
from comparisons.stack.services import PROFILE_SETTINGS, PROFILES

pytestmark = pytest.mark.pipeline

# Prints {variable: [default, value read back when the variable is set to each profile's value]}.
READERS = {
    "airflow": """
import json, os, sys
wanted = json.loads(sys.argv[1])
from airflow.configuration import conf
out = {}
for variable, values in wanted.items():
    section, key = variable.removeprefix("AIRFLOW__").lower().split("__", 1)
    default = conf.get_default_value(section, key)  # None: no such option in this release
    read = []
    for value in values:
        os.environ[variable] = value
        read.append(conf.get(section, key))
    del os.environ[variable]
    out[variable] = [default, read]
print(json.dumps(out))
""",
    "prefect": """
import json, os, sys
wanted = json.loads(sys.argv[1])
import prefect.settings as settings
out = {}
for variable, values in wanted.items():
    setting = getattr(settings, variable)  # AttributeError: not a setting of this release
    default = setting.value()
    read = []
    for value in values:
        os.environ[variable] = value
        read.append(settings.Settings().to_environment_variables(exclude_unset=False).get(variable))
    del os.environ[variable]
    out[variable] = [None if default is None else str(default), read]
print(json.dumps(out))
""",
}


def _read(side: str, tmp_path: Path) -> dict[str, list]:
    python = LabSettings.from_environment().venv_bin(side, "python")
    if not python.exists():
        pytest.skip(f"{python} is missing: install the {side} environment first (./lab setup)")
    prefix = "AIRFLOW__" if side == "airflow" else "PREFECT_"
    wanted = {s.variable: [s.values[p] for p in PROFILES] for s in PROFILE_SETTINGS if s.variable.startswith(prefix)}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PREFECT", "LAB_"))}
    env |= {"AIRFLOW_HOME": str(tmp_path / "airflow"), "PREFECT_HOME": str(tmp_path / "prefect")}
    proc = subprocess.run([str(python), "-c", READERS[side], json.dumps(wanted)], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"{side} could not read its settings:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("side", ["airflow", "prefect"])
def test_every_profile_setting_is_one_the_pinned_release_reads_and_stock_is_its_default(
        side: str, tmp_path: Path) -> None:
    found = _read(side, tmp_path)
    assert found, f"no {side} setting in PROFILE_SETTINGS"
    for setting in PROFILE_SETTINGS:
        if setting.variable not in found:
            continue
        default, read = found[setting.variable]
        assert _same(default, setting.values["stock"]), (
            f"{setting.variable}: the pinned {side} defaults to {default!r}, the stock profile says "
            f"{setting.values['stock']!r}")
        for profile, value in zip(PROFILES, read, strict=True):
            assert _same(value, setting.values[profile]), (
                f"{setting.variable}={setting.values[profile]} read back as {value!r}")


def _same(found: object, ours: str) -> bool:
    """Equal as numbers where both are numbers (Airflow writes 10.0 as '10.0', Prefect 180 as '180')."""
    try:
        return float(str(found)) == float(ours)
    except ValueError:
        return str(found) == ours
