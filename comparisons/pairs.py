"""The pair matrix: a pair is a name with `airflow_dags/<name>.py` and `prefect_flows/<name>.py`.

Dropping those two files in is all it takes; nothing here lists pairs by hand.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from comparisons.errors import UnknownPairError
from comparisons.settings import LabSettings
from shared_logic.bench import DEFAULT_CHAIN_LENGTH, chain_dag_id

__all__ = ["Pair", "airflow_dag_id", "discover", "resolve"]


@dataclass(frozen=True)
class Pair:
    name: str
    airflow_file: Path
    prefect_file: Path

    @property
    def summary(self) -> str:
        """First line of the Prefect file's docstring (both sides describe the same pipeline)."""
        doc = ast.get_docstring(ast.parse(self.prefect_file.read_text())) or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""


def _stems(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if not p.name.startswith("_")}


def discover(settings: LabSettings) -> list[Pair]:
    names = sorted(_stems(settings.airflow_dags) & _stems(settings.prefect_flows))
    return [Pair(n, settings.airflow_dags / f"{n}.py", settings.prefect_flows / f"{n}.py") for n in names]


def unpaired(settings: LabSettings) -> dict[str, list[str]]:
    """Files with no twin: shown by `./lab pairs` so a half-added pair is not silently ignored."""
    airflow, prefect = _stems(settings.airflow_dags), _stems(settings.prefect_flows)
    return {"airflow_dags": sorted(airflow - prefect), "prefect_flows": sorted(prefect - airflow)}


def resolve(settings: LabSettings, names: list[str]) -> list[Pair]:
    """The pairs named (all of them for an empty list), or an error listing the known ones."""
    known = {pair.name: pair for pair in discover(settings)}
    if not names:
        return list(known.values())
    missing = [n for n in names if n not in known]
    if missing:
        raise UnknownPairError(
            f"unknown pair {', '.join(map(repr, missing))}. Known pairs: {', '.join(known) or '(none)'}.\n"
            f"A pair is airflow_dags/<name>.py plus prefect_flows/<name>.py.")
    return [known[n] for n in names]


def airflow_dag_id(pair: str, parameters: Mapping[str, Any]) -> str:
    """The Airflow DAG that runs `pair` with `parameters`: the pair's name, except where a parameter
    shapes the graph, which Airflow fixes at parse time (`bench_chain`: one DAG per length)."""
    if pair == "bench_chain":
        return chain_dag_id(int(parameters.get("length", DEFAULT_CHAIN_LENGTH)))
    return pair
