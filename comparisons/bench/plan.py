"""What a benchmark sweep measures: workloads, sizes and repetitions, as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from shared_logic.bench import CHAIN_LENGTHS

__all__ = ["FAMILIES", "PROFILES", "Step", "SweepProfile", "family", "plan"]

Kind = Literal["pair", "concurrent", "local", "fresh", "served"]


@dataclass(frozen=True)
class Step:
    """One measurement: a pair run on both sides over REST (`pair`), K simultaneous runs per side
    (`concurrent`), the pair run in-process with no server, as a developer tests locally, with the
    database prepared once (`local`) or with nothing prepared (`fresh`), or the pair run on Prefect
    through its worker and through a `prefect.serve` process (`served`).
    """

    workload: str
    pair: str
    parameters: dict[str, Any]
    size: int
    repetition: int
    kind: Kind = "pair"
    warmup: bool = False
    workers: int | None = None
    """The stack's shape (`scale-out` plan): 0 the default stack (LocalExecutor, one Prefect worker),
    N scaled out to N Celery and N Prefect workers; None: the stack the sweep started."""
    sides: tuple[str, ...] = ("airflow", "prefect")
    link_ms: float | None = None
    """The `link` plan: the workers on simulated hosts (`./lab up --hosts`), this much added to each
    round trip between them and the control plane; None: no simulated hosts."""

    @property
    def key(self) -> str:
        """Stable identity within a session, so an interrupted sweep resumes where it stopped."""
        tag = "warmup" if self.warmup else f"rep{self.repetition}"
        subject = {"pair": self.pair, "served": f"{self.pair}-{self.size}"}.get(  # catalogue pairs: size 0
            self.workload, str(self.size))
        shape = "" if self.workers is None else f"-w{self.workers}"
        shape += "" if self.link_ms is None else f"-link{self.link_ms:g}ms"
        return f"{self.workload}-{subject}{shape}-{tag}"


@dataclass(frozen=True)
class SweepProfile:
    """Sizes and repetitions of a sweep. The costliest sizes may run fewer times (`fewer`), so the
    full sweep fits in about 90 minutes on a 2-core machine; the report prints each figure's n."""

    repeat: int
    sizes: dict[str, tuple[int, ...]]
    fewer: dict[tuple[str, int], int] = field(default_factory=dict)
    catalogue: bool = False
    local_repeat: int = 1
    memory_workloads: tuple[str, ...] = ("fanout",)
    """Workloads whose runs have the orchestrators' memory sampled (peak under fan-out)."""
    served_repeat: int = 0
    """Repetitions of each `SERVED` pair through Prefect's worker and through `prefect.serve` (0: none)."""
    workers: tuple[int, ...] = ()
    """Stack shapes to measure the fan-outs and bursts on, one after another (`Step.workers`)."""
    sized_shapes: dict[tuple[str, int], tuple[int, ...]] = field(default_factory=dict)
    """The shapes a costly size runs on (all of `workers` when absent)."""
    link_delays: tuple[float, ...] = ()
    """The `link` plan: round-trip delays (ms) between the simulated hosts and the control plane."""

    def repetitions(self, workload: str, size: int, repeat: int | None = None) -> int:
        wanted = repeat or self.repeat
        return min(wanted, self.fewer.get((workload, size), wanted))


#: `quick` is what CI runs; `full` is the published sweep.
PROFILES: dict[str, SweepProfile] = {
    "quick": SweepProfile(repeat=2, sizes={"chain": (1, 10), "fanout": (10,), "payload_kb": (1024,),
                                           "concurrent": (5,)}, served_repeat=2),
    "full": SweepProfile(
        repeat=5,
        sizes={"chain": CHAIN_LENGTHS, "fanout": (1, 10, 100, 1000), "payload_kb": (1, 100, 1024, 10240),
               "concurrent": (1, 10, 50)},
        # On a 2-core machine Airflow runs a 1000-way map as 1000 task processes (6.5 min) and 50 runs
        # at once take over 4 minutes to drain: those run 3 times, so the sweep fits in about 90 minutes
        # (it resumes where it stopped, so it may span sittings). A burst of K gives K latencies a run.
        fewer={("fanout", 1000): 3, ("concurrent", 50): 3},
        catalogue=True, local_repeat=5, served_repeat=5),
    # Scale-out (docs/scale-out.md): the default stack, then 4, 2 and 1 workers a side (the extremes first, so
    # a sweep cut short still sets the default stack against the most workers). Sized to about an
    # hour on 2 cores: Airflow's 1000-way map takes over 3 minutes a run, so it runs on the default stack and
    # at 4 workers only; a Prefect burst on the default stack is the same as at 1 worker (one worker either
    # way), so it runs once, at 1.
    "scale-out": SweepProfile(repeat=3, sizes={"fanout": (100, 1000), "concurrent": (10, 50)},
                              memory_workloads=(), workers=(0, 4, 2, 1), sized_shapes={("fanout", 1000): (0, 4)}),
    # Distance (docs/scale-out.md): 2 workers a side on simulated hosts, the link adding 0, 1, 10 and 50 ms to
    # each round trip; per run (etl_basic), per task in sequence (a chain of 10) and per task at once (a fan-out
    # of 100). 10 ms is lost in the runs' spread on 2 cores, so 50 ms is there to show the slope. About 17
    # minutes on 2 cores.
    "link": SweepProfile(repeat=3, sizes={"pair": (0,), "chain": (10,), "fanout": (100,)}, memory_workloads=(),
                         workers=(2,), link_delays=(0, 1, 10, 50)),
}

#: Families of plans whose newest session of each stack profile is published and reported on its own.
FAMILIES = ("sweep", "scale-out", "link")


def family(plan_name: str) -> str:
    """`full` and `quick` are the sweep; `scale-out` and `link` are their own."""
    return plan_name if plan_name in FAMILIES else "sweep"

#: Pairs run both ways on Prefect (worker and `prefect.serve`): (pair, parameters, size).
SERVED: tuple[tuple[str, dict[str, Any], int], ...] = (("etl_basic", {}, 0), ("bench_chain", {"length": 40}, 40))

#: Workload -> (pair, parameter that carries the size). Pairs missing from the lab are skipped.
WORKLOAD_PAIRS: dict[str, tuple[str, str | None]] = {
    "chain": ("bench_chain", "length"),
    "fanout": ("dynamic_fanout", "n_items"),
    "payload_kb": ("results_and_payloads", "payload_kb"),
    "concurrent": ("etl_basic", None),
}


#: The shape the scale-out plan runs the whole catalogue on, once: what `./lab up --scale-out 2` gives.
CATALOGUE_SHAPE = 2


def _scale_out_plan(settings: SweepProfile, pairs: list[str], repeat: int | None) -> list[Step]:
    """For each stack shape: a warm-up, then each fan-out (both sides, outputs compared) and each burst."""
    steps: list[Step] = []
    fanout, parameter = WORKLOAD_PAIRS["fanout"]
    burst, _ = WORKLOAD_PAIRS["concurrent"]
    for workers in settings.workers:
        if burst in pairs:
            steps.append(Step("pair", burst, {}, 0, 0, warmup=True, workers=workers))
        for size in settings.sizes.get("fanout", ()) if fanout in pairs else ():
            if workers in settings.sized_shapes.get(("fanout", size), settings.workers):
                steps += [Step("fanout", fanout, {parameter: size}, size, r, workers=workers)
                          for r in range(1, (repeat or settings.repeat) + 1)]
        sides = ("airflow",) if workers == 0 else ("airflow", "prefect")
        for size in settings.sizes.get("concurrent", ()) if burst in pairs else ():
            steps += [Step("concurrent", burst, {}, size, r, kind="concurrent", workers=workers, sides=sides)
                      for r in range(1, (repeat or settings.repeat) + 1)]
        if workers == CATALOGUE_SHAPE:  # every pair once on the scaled-out stack, outputs compared
            steps += [Step("pair", pair, {}, 0, 1, workers=workers) for pair in pairs]
    return steps


#: The pair a `link` step runs at its defaults: one whole run's cost over the link.
LINK_PAIR = "etl_basic"


def _link_plan(settings: SweepProfile, pairs: list[str], repeat: int | None) -> list[Step]:
    """For each delay: a warm-up, then the pair, the chain and the fan-out, each on both sides, compared."""
    (workers,) = settings.workers
    steps: list[Step] = []
    for delay in settings.link_delays:
        if LINK_PAIR in pairs:
            steps.append(Step("pair", LINK_PAIR, {}, 0, 0, warmup=True, workers=workers, link_ms=delay))
            steps += [Step("pair", LINK_PAIR, {}, 0, r, workers=workers, link_ms=delay)
                      for r in range(1, (repeat or settings.repeat) + 1)]
        for workload in ("chain", "fanout"):
            pair, parameter = WORKLOAD_PAIRS[workload]
            for size in settings.sizes.get(workload, ()) if pair in pairs else ():
                steps += [Step(workload, pair, {parameter: size}, size, r, workers=workers, link_ms=delay)
                          for r in range(1, (repeat or settings.repeat) + 1)]
    return steps


def plan(profile: str, pairs: list[str], repeat: int | None = None) -> list[Step]:
    """Every step of a sweep: one warm-up run per pair first, then the repetitions of each size.

    `repeat` overrides the profile's repetition count (the costliest sizes keep their lower cap).
    """
    settings = PROFILES[profile]
    if settings.link_delays:
        return _link_plan(settings, pairs, repeat)
    if settings.workers:
        return _scale_out_plan(settings, pairs, repeat)
    steps: list[Step] = []
    measured_by_workloads = {pair for pair, _ in WORKLOAD_PAIRS.values()} - {WORKLOAD_PAIRS["concurrent"][0]}
    if settings.catalogue:  # every other pair of the catalogue, at its defaults
        catalogue = [pair for pair in pairs if pair not in measured_by_workloads]
        # One warm-up for the catalogue: a Prefect flow run is a fresh process that imports its flow
        # file every time, and Airflow has parsed every file already, so what warms up is per side.
        steps += [Step("pair", catalogue[0], {}, 0, 0, warmup=True)] if catalogue else []
        for pair in catalogue:
            steps += [Step("pair", pair, {}, 0, r) for r in range(1, (repeat or settings.repeat) + 1)]
    for workload in ("chain", "fanout", "payload_kb"):
        pair, parameter = WORKLOAD_PAIRS[workload]
        if pair not in pairs or not settings.sizes.get(workload):
            continue
        for index, size in enumerate(settings.sizes[workload]):
            params = {parameter: size} if parameter else {}
            if index == 0:
                steps.append(Step(workload, pair, params, size, 0, warmup=True))
            steps += [Step(workload, pair, params, size, r)
                      for r in range(1, settings.repetitions(workload, size, repeat) + 1)]
    pair, _ = WORKLOAD_PAIRS["concurrent"]
    if pair in pairs:
        for size in settings.sizes.get("concurrent", ()):
            steps += [Step("concurrent", pair, {}, size, r, kind="concurrent")
                      for r in range(1, settings.repetitions("concurrent", size, repeat) + 1)]
        for kind in ("local", "fresh"):
            steps += [Step(kind, pair, {}, 1, r, kind=kind) for r in range(1, settings.local_repeat + 1)]
    for pair, params, size in SERVED if settings.served_repeat else ():
        if pair in pairs:
            steps.append(Step("served", pair, params, size, 0, kind="served", warmup=True))
            steps += [Step("served", pair, params, size, r, kind="served")
                      for r in range(1, (repeat or settings.served_repeat) + 1)]
    return steps
