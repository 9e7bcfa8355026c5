"""The lesson's claims (its section 1.1 table and section 6.3), each checked against the lab's records.

Each verdict is computed from measurements or from the pipeline files' AST, never typed by hand; a
claim whose evidence is missing says so instead of guessing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from comparisons.authoring import authoring_cost
from comparisons.metrics import summarise, verdict
from comparisons.pairs import Pair
from comparisons.report.bench_section import BenchView, _totals, fresh_attempts, local_databases
from comparisons.settings import SIDES
from comparisons.store.comparison import Comparison

__all__ = ["Claim", "claims", "claims_section"]


@dataclass(frozen=True)
class Claim:
    topic: str
    lesson: str
    evidence: str
    verdict: str  # "holds" | "partly" | "no longer true for Airflow 3" | "not measured"


def _short(values: list[float]) -> str:
    summary = summarise(values)
    return summary.short() if summary else "no run"


#: How a speed verdict is decided, printed beside each one.
RULE = "faster means its 95 % bootstrap interval of the median lies wholly below the other's"


def claims(pairs: list[Pair], view: BenchView | None) -> list[Claim]:
    costs = {p.name: (authoring_cost(p.airflow_file), authoring_cost(p.prefect_file)) for p in pairs}
    airflow_decorators = sum(a.decorators for a, _ in costs.values())
    rshift = sum(a.rshift_dependencies for a, _ in costs.values())
    xcom = sum(a.xcom_calls for a, _ in costs.values())
    lines = {side: sum(c[i].code_lines for c in costs.values()) for i, side in enumerate(SIDES)}
    result = [
        Claim("Definition", "Airflow: DAG files; Prefect: Python decorators",
              f"all {len(pairs)} Airflow DAGs are TaskFlow code with {airflow_decorators} decorators "
              f"(`@dag`, `@task`); both sides are Python files of decorated functions",
              "no longer true for Airflow 3" if airflow_decorators else "holds"),
        Claim("Dependencies", "Airflow: explicit `>>`; Prefect: inferred from calls",
              f"{rshift} `>>` expressions across the Airflow DAGs: TaskFlow infers dependencies from calls",
              "no longer true for Airflow 3" if rshift == 0 else "partly"),
        Claim("Data passing", "Airflow: XCom explicit push/pull; Prefect: return values",
              f"{xcom} explicit XCom calls in the Airflow DAGs; return values travel through XCom implicitly "
              f"(serialised to the metadata database, visible in the payload workload)",
              "no longer true for Airflow 3" if xcom == 0 else "partly"),
        Claim("Learning curve", "Airflow: steep; Prefect: gentle",
              f"orchestration code for the same {len(pairs)} pairs: Airflow {lines['airflow']} lines, "
              f"Prefect {lines['prefect']} lines (AST count, shared logic excluded)",
              "partly" if lines["airflow"] > lines["prefect"] else "no longer true for Airflow 3"),
    ]
    if view is None:
        return result + [Claim(t, lesson, "run `./lab bench` to measure", "not measured") for t, lesson in (
            ("Dynamic workflows", "Airflow: limited; Prefect: native"),
            ("Scheduling", "Airflow: scheduler process required; Prefect: event-based, serverless"),
            ("Local execution / testing", "Airflow: complex setup; Prefect: instant, like regular functions"),
            ("State management", "Airflow: DB required; Prefect: optional"))]
    fanout = view.counted("fanout")
    biggest = max((int(c.labels["size"]) for c in fanout), default=0)
    result.append(Claim(
        "Dynamic workflows", "Airflow: limited; Prefect: native",
        f"runtime fan-out up to {biggest} mapped tasks ran equal on both (Airflow `.expand`, Prefect `.map`); "
        f"Prefect also branches with a plain `if` where Airflow needs `@task.branch`",
        "partly" if biggest else "not measured"))
    result.append(_scheduling(view))
    result += _local_claims(view)
    pair_runs = view.counted("pair") or view.counted("chain")
    by_pair: dict[str, list[Comparison]] = defaultdict(list)
    for comparison in pair_runs:
        by_pair[comparison.pair].append(comparison)
    verdicts = Counter(verdict(_totals(runs, "prefect"), _totals(runs, "airflow")) for runs in by_pair.values())
    if by_pair:
        result.append(Claim(
            "Speed (implied: lightweight)", "Prefect runs flows with less ceremony",
            f"trigger → done per pair ({RULE}): Prefect faster on {verdicts['faster']} of {len(by_pair)} pairs, "
            f"slower on {verdicts['slower']}, no clear difference on {verdicts['no clear difference']}"
            + (f", too few runs on {few}" if (few := verdicts["not enough runs (n < 2)"]) else ""),
            "holds" if verdicts["faster"] > len(by_pair) / 2
            else "partly" if verdicts["faster"] else "no longer true for Airflow 3"))
    return result


def _scheduling(view: BenchView) -> Claim:
    """From the event_driven pair: how each side starts a pipeline when data lands, and what it needs running."""
    lesson = "Airflow: scheduler process required; Prefect: event-based, serverless"
    landed = [c for c in view.counted("pair") if c.labels.get("handover")]
    started = {s: [v for c in landed if (v := c.labels["handover"].get(s, {}).get("event_to_start_s")) is not None]
               for s in SIDES}
    setup = view.setup
    needs = ""
    if setup:
        processes = {s: setup.values["idle"][s]["processes"] for s in SIDES}
        needs = (f"; neither is serverless: both need their server's processes running (idle: Airflow "
                 f"{processes['airflow']}, Prefect {processes['prefect']} with its worker)")
    if not all(started.values()):
        return Claim("Scheduling", lesson, "run `./lab bench` to measure the event_driven pair" + needs,
                     "not measured")
    return Claim(
        "Scheduling", lesson,
        f"both start a pipeline when its data lands (pair event_driven): Airflow 3 by an Asset, its scheduler "
        f"creating the consumer's run, event → consumer started {_short(started['airflow'])}; Prefect by an event "
        f"trigger, its server's automation creating the run and the worker starting it, "
        f"{_short(started['prefect'])}" + needs,
        "partly")


def _local_claims(view: BenchView) -> list[Claim]:
    """Local execution from the `local` runs (database prepared once), state management from the `fresh` ones."""
    found = []
    local = view.of_kind("local")
    seconds = {s: [r.values[s]["seconds"] for r in local if r.values[s]["state"] == "success"] for s in SIDES}
    if all(seconds.values()):
        faster = verdict(seconds["prefect"], seconds["airflow"])
        found.append(Claim(
            "Local execution / testing", "Airflow: complex setup; Prefect: instant, like regular functions",
            f"in-process run of etl_basic, process start included, {local_databases(view)}: "
            f"Airflow `dag.test()` {_short(seconds['airflow'])} (no server: it runs the tasks in-process), Prefect "
            f"flow call {_short(seconds['prefect'])} (it starts a temporary server of its own); {RULE}: "
            f"Prefect {faster}",
            "partly" if faster == "faster" else "no longer true for Airflow 3"))
    else:
        found.append(Claim("Local execution / testing",
                           "Airflow: complex setup; Prefect: instant, like regular functions",
                           "run `./lab bench` to measure the local runs", "not measured"))
    attempts = {s: fresh_attempts(view, s) for s in SIDES}
    airflow_none, prefect_none = attempts["airflow"].get("none", []), attempts["prefect"].get("none", [])
    migrated = [a["seconds"] for a in attempts["airflow"].get("migrate", []) if a["state"] == "success"]
    if not (airflow_none and prefect_none):
        found.append(Claim("State management", "Airflow: DB required; Prefect: optional",
                           "run `./lab bench` to measure a local run with nothing prepared", "not measured"))
        return found

    def outcome(runs: list[dict]) -> str:
        ok = [a["seconds"] for a in runs if a["state"] == "success"]
        return f"succeeded {len(ok)}/{len(runs)}" + (f" in {_short(ok)}" if ok else "")

    said = next((a["error"].splitlines()[0][:120] for a in airflow_none if a.get("error")), None)
    sizes = [a["database_bytes"] / 2**20 for a in prefect_none if a.get("database_bytes")]
    airflow_needs = not any(a["state"] == "success" for a in airflow_none)
    prefect_needs = not any(a["state"] == "success" for a in prefect_none)
    found.append(Claim(
        "State management", "Airflow: DB required; Prefect: optional",
        f"etl_basic in-process with nothing prepared: Airflow `dag.test()` {outcome(airflow_none)}"
        + (f" ({said})" if said and airflow_needs else "")
        + (f", and after `airflow db migrate` {_short(migrated)}" if migrated else "")
        + f"; Prefect's flow call {outcome(prefect_none)}, creating its own SQLite database"
        + (f" ({max(sizes):.1f} MiB)" if sizes else "") + ": state is kept in a database on both sides",
        "partly" if airflow_needs and not prefect_needs else "no longer true for Airflow 3" if not airflow_needs
        else "not measured"))
    return found


def claims_section(pairs: list[Pair], view: BenchView | None) -> tuple[str, str]:
    """The claims table as (HTML, Markdown)."""
    import html

    rows = claims(pairs, view)
    intro = ("The lesson's comparison table (its sections 1.1 and 6.3), each claim checked against this lab's "
             "records and pipeline files" + (f" (benchmark session {view.session})." if view else "."))
    header = ["topic", "the lesson says", "what the lab measured or shows", "verdict"]
    cells = [[c.topic, c.lesson, c.evidence, c.verdict] for c in rows]
    table = "<table><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in row) + "</tr>" for row in cells) + "</table>"
    markdown = "\n".join(["| " + " | ".join(header) + " |", "|---|---|---|---|"]
                         + ["| " + " | ".join(row) + " |" for row in cells])
    return (f"<section id=claims><h2>The lesson's claims</h2><p>{intro}</p>{table}</section>",
            f"## The lesson's claims\n\n{intro}\n\n{markdown}\n")
