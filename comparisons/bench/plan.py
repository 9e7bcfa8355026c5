"""What a benchmark sweep measures: workloads, sizes and repetitions, as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["PROFILES", "Step", "plan"]

Kind = Literal["pair", "concurrent", "local"]


@dataclass(frozen=True)
class Step:
    """One measurement: a pair run on both sides over REST (`pair`), K simultaneous runs per side
    (`concurrent`), or the pair run in-process with no server, as a developer tests locally (`local`)."""

    workload: str
    pair: str
    parameters: dict[str, Any]
    size: int
    repetition: int
    kind: Kind = "pair"
    warmup: bool = False

    @property
    def key(self) -> str:
        """Stable identity within a session, so an interrupted sweep resumes where it stopped."""
        tag = "warmup" if self.warmup else f"rep{self.repetition}"
        return f"{self.workload}-{self.size}-{tag}"


#: Sizes per workload for each profile. `quick` is what CI runs; `full` is the published sweep.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"repeat": 2, "chain": (1, 10), "fanout": (10,), "concurrent": (5,), "payload_kb": (1024,),
              "local_repeat": 1, "catalogue": False},
    "full": {"repeat": 5, "chain": (1, 10, 40), "fanout": (1, 10, 100, 1000), "concurrent": (1, 10, 50),
             "payload_kb": (1, 100, 1024, 10240), "local_repeat": 3,
             "catalogue": True},
}

#: Workload -> (pair, parameter that carries the size). Pairs missing from the lab are skipped.
WORKLOAD_PAIRS: dict[str, tuple[str, str | None]] = {
    "chain": ("bench_chain", "length"),
    "fanout": ("dynamic_fanout", "n_items"),
    "payload_kb": ("results_and_payloads", "payload_kb"),
    "concurrent": ("etl_basic", None),
}


def plan(profile: str, pairs: list[str]) -> list[Step]:
    """Every step of a sweep, warm-ups first within each workload size."""
    settings = PROFILES[profile]
    repeat = settings["repeat"]
    steps: list[Step] = []
    if settings["catalogue"]:  # every pair of the catalogue, not only the benchmark workloads
        for pair in pairs:
            if pair.startswith("bench_"):
                continue
            steps.append(Step("pair", pair, {}, 0, 0, warmup=True))
            steps += [Step("pair", pair, {}, 0, r) for r in range(1, repeat + 1)]
    for workload in ("chain", "fanout", "payload_kb"):
        pair, parameter = WORKLOAD_PAIRS[workload]
        if pair not in pairs:
            continue
        for size in settings[workload]:
            params = {parameter: size} if parameter else {}
            steps.append(Step(workload, pair, params, size, 0, warmup=True))
            steps += [Step(workload, pair, params, size, r) for r in range(1, repeat + 1)]
    pair, _ = WORKLOAD_PAIRS["concurrent"]
    if pair in pairs:
        for size in settings["concurrent"]:
            steps += [Step("concurrent", pair, {}, size, r, kind="concurrent") for r in range(1, repeat + 1)]
        steps += [Step("local", pair, {}, 1, r, kind="local") for r in range(1, settings["local_repeat"] + 1)]
    return steps
