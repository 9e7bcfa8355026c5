"""The two files of a pair read alike, so a measured difference is the orchestrator's.

Checked on the source with `ast`: neither Airflow nor Prefect is imported here,
so these tests run in the lab's own environment.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from comparisons.pairs import unpaired
from comparisons.settings import LabSettings
from shared_logic import expectation
from tests.pipelines._pairs import FOLDERS, PREFECT_FLOWS, SIDES

MAX_LINES = 60
PIPELINE_DECORATOR = {"airflow": "dag", "prefect": "flow"}
TWIN_FOLDER = {"airflow": "prefect_flows", "prefect": "airflow_dags"}
ENV_READERS = {"environ", "environb", "getenv", "getenvb"}


def _decorator_name(decorator: ast.expr) -> str:
    """'task' for @task, @task(...), @task.virtualenv(...); '' for anything else."""
    node = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _kwargs(decorator: ast.expr) -> dict[str, ast.expr]:
    if not isinstance(decorator, ast.Call):
        return {}
    return {kw.arg: kw.value for kw in decorator.keywords if kw.arg}


def _decorated(tree: ast.Module, name: str) -> list[tuple[ast.FunctionDef, ast.expr]]:
    return [
        (node, dec)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        for dec in node.decorator_list
        if _decorator_name(dec) == name
    ]


def _base_type(annotation: ast.expr) -> str:
    """`int` for `Annotated[int, Field(ge=1)]`, `str` for `Literal["a", "b"]`, else the annotation as written.

    Airflow states a parameter's constraints in its `Param`, Prefect in the type hint: the
    hints then differ in spelling, while the base type must still be the same on both sides.
    """
    if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) in ("Annotated", "Literal"):
        args = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        if ast.unparse(annotation.value) == "Annotated":
            return _base_type(args[0])
        kinds = {type(ast.literal_eval(arg)).__name__ for arg in args}
        if len(kinds) == 1:
            return kinds.pop()
    return ast.unparse(annotation)


def _seconds(node: ast.expr) -> float:
    """Seconds of `5` or `timedelta(seconds=5)` written in the source; of Prefect's
    `exponential_backoff(backoff_factor=5)`, the first delay (5, doubling after)."""
    if isinstance(node, ast.Call) and _decorator_name(node) == "exponential_backoff":
        return float(ast.literal_eval(node.keywords[0].value if node.keywords else node.args[0]))
    if isinstance(node, ast.Call) and _decorator_name(node) == "timedelta":
        return timedelta(**{kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}).total_seconds()
    return float(ast.literal_eval(node))


def _backoff(side: str, settings: dict[str, ast.expr]) -> float | None:
    """The factor each retry delay grows by, or None for a constant delay."""
    if side == "prefect":
        delay = settings.get("retry_delay_seconds")
        return 2.0 if delay is not None and _decorator_name(delay) == "exponential_backoff" else None
    multiplier = ast.literal_eval(settings.get("retry_exponential_backoff", ast.Constant(0)))
    if multiplier is True:  # Airflow 3 still reads True as 2.0
        return 2.0
    return None if multiplier in (0, 1) else float(multiplier)


@dataclass
class Pipeline:
    side: str
    stem: str
    path: Path
    text: str
    tree: ast.Module

    @classmethod
    def load(cls, side: str, stem: str) -> Pipeline:
        path = FOLDERS[side] / f"{stem}.py"
        text = path.read_text()
        return cls(side, stem, path, text, ast.parse(text, filename=str(path)))

    @property
    def tasks(self) -> list[tuple[ast.FunctionDef, ast.expr]]:
        return _decorated(self.tree, "task")

    @property
    def pipeline(self) -> tuple[ast.FunctionDef, ast.expr]:
        """The pipeline function and its decorator. On Airflow, a pipeline whose parameter shapes the
        graph is a plain function named like the file that registers one @dag per value (bench_chain):
        its parameters are the pipeline's, the decorator is the inner @dag's."""
        found = _decorated(self.tree, PIPELINE_DECORATOR[self.side])
        if not found and self.side == "airflow":
            found = [(node, dec) for node in self.tree.body
                     if isinstance(node, ast.FunctionDef) and node.name == self.stem
                     for inner in node.body if isinstance(inner, ast.FunctionDef)
                     for dec in inner.decorator_list if _decorator_name(dec) == "dag"]
        if len(found) > 1:  # a Prefect file may hold subflows too: the pipeline is the one named like the file
            found = [(fn, dec) for fn, dec in found if fn.name == self.stem]
        assert len(found) == 1, f"{self.path}: expected one @{PIPELINE_DECORATOR[self.side]} function"
        return found[0]

    def parameters(self) -> list[tuple[str, str | None, Any]]:
        """(name, annotation, default) of the pipeline function, in order."""
        args = self.pipeline[0].args
        assert not (args.vararg or args.kwarg or args.posonlyargs), f"{self.path}: plain parameters only"
        positional = args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        params = list(zip(positional, defaults, strict=True)) + list(
            zip(args.kwonlyargs, args.kw_defaults, strict=True)
        )
        return [
            (
                arg.arg,
                _base_type(arg.annotation) if arg.annotation else None,
                ast.literal_eval(default) if default is not None else "<required>",
            )
            for arg, default in params
        ]

    def retry_policy(self) -> list[tuple[str, int, float | None, float | None]]:
        """(task, retries, first delay in seconds, backoff multiplier or None) of each task as the
        orchestrator will apply them: Airflow's `retry_exponential_backoff` (True means 2) against
        Prefect's `exponential_backoff(...)`, which doubles."""
        if self.side == "airflow":
            retries_key, delay_key = "retries", "retry_delay"
        else:
            retries_key, delay_key = "retries", "retry_delay_seconds"
        policy = []
        for fn, decorator in self.tasks:
            settings = self.dag_level() | _kwargs(decorator)
            retries = ast.literal_eval(settings[retries_key]) if retries_key in settings else 0
            delay = _seconds(settings[delay_key]) if retries and delay_key in settings else None
            policy.append((fn.name, retries, delay, _backoff(self.side, settings) if retries else None))
        return policy

    def dag_level(self) -> dict[str, ast.expr]:
        """Task settings made for every task of the pipeline: Airflow's `default_args`; none on Prefect."""
        default_args = _kwargs(self.pipeline[1]).get("default_args") if self.side == "airflow" else None
        if not isinstance(default_args, ast.Dict):
            return {}
        return dict(zip([ast.literal_eval(k) for k in default_args.keys], default_args.values, strict=True))

    def timeouts(self) -> list[tuple[str, float | None]]:
        """(task, timeout in seconds or None): Airflow's `execution_timeout`, Prefect's `timeout_seconds`."""
        key = "execution_timeout" if self.side == "airflow" else "timeout_seconds"
        return [(fn.name, _seconds(setting) if (setting := (self.dag_level() | _kwargs(dec)).get(key)) else None)
                for fn, dec in self.tasks]


@pytest.fixture
def airflow(pair: str) -> Pipeline:
    return Pipeline.load("airflow", pair)


@pytest.fixture
def prefect(pair: str) -> Pipeline:
    return Pipeline.load("prefect", pair)


def test_every_pipeline_file_has_a_twin() -> None:
    # Pairs are discovered as the intersection: a half-added pair would be skipped silently.
    assert unpaired(LabSettings.from_environment()) == {"airflow_dags": [], "prefect_flows": []}


def test_same_tasks_in_the_same_order(airflow: Pipeline, prefect: Pipeline) -> None:
    names = [fn.name for fn, _ in airflow.tasks]
    assert names, f"{airflow.path}: no @task functions"
    assert names == [fn.name for fn, _ in prefect.tasks]


def test_same_parameters_with_the_same_defaults(airflow: Pipeline, prefect: Pipeline) -> None:
    assert airflow.parameters() == prefect.parameters()


def test_airflow_params_agree_with_the_dag_function(airflow: Pipeline) -> None:
    params = _kwargs(airflow.pipeline[1]).get("params")
    if params is None:
        return
    assert isinstance(params, ast.Dict), f"{airflow.path}: params must be a literal dict"
    defaults = {name: default for name, _, default in airflow.parameters()}
    for key, value in zip(params.keys, params.values, strict=True):
        name = ast.literal_eval(key)
        assert name in defaults, f"{airflow.path}: Param {name!r} is not a parameter of the dag function"
        default = value.args[0] if isinstance(value, ast.Call) and value.args else value
        if isinstance(default, ast.Name) and default.id == name:
            continue  # a DAG per value: its Param's default is that value
        assert ast.literal_eval(default) == defaults[name], f"{airflow.path}: Param {name!r} default"


def _units(pipeline: Pipeline) -> list[ast.FunctionDef]:
    """The file's pipelines besides the pair's own, and its reusable groups, in file order."""
    kinds = {"airflow": ("task_group", "dag"), "prefect": ("flow",)}[pipeline.side]
    main = pipeline.pipeline[0]
    return [node for node in pipeline.tree.body if isinstance(node, ast.FunctionDef) and node is not main
            and any(_decorator_name(dec) in kinds for dec in node.decorator_list)]


def test_same_reusable_units(airflow: Pipeline, prefect: Pipeline) -> None:
    """An Airflow `@task_group` is a Prefect subflow, and a second DAG of the file (the consumer the
    first one's Asset starts) a second flow: same names, so the two graphs match."""
    assert [fn.name for fn in _units(airflow)] == [fn.name for fn in _units(prefect)]


def test_further_pipelines_take_the_same_parameters(airflow: Pipeline, prefect: Pipeline) -> None:
    """A second pipeline of the file (event_driven's consumer) reads alike too."""
    subflows = {fn.name: fn for fn in _units(prefect)}
    for dag_fn in (fn for fn in _units(airflow) if any(_decorator_name(d) == "dag" for d in fn.decorator_list)):
        assert ast.dump(dag_fn.args) == ast.dump(subflows[dag_fn.name].args), f"{airflow.path}: {dag_fn.name}"


def test_same_retries(airflow: Pipeline, prefect: Pipeline) -> None:
    assert airflow.retry_policy() == prefect.retry_policy()


def test_same_timeouts(airflow: Pipeline, prefect: Pipeline) -> None:
    assert airflow.timeouts() == prefect.timeouts()


def test_names_equal_the_file_stem(airflow: Pipeline, prefect: Pipeline, pair: str) -> None:
    dag_fn, dag_decorator = airflow.pipeline
    assert dag_fn.name == pair
    dag_id = _kwargs(dag_decorator).get("dag_id")
    assert dag_id is None or isinstance(dag_id, ast.Call) or ast.literal_eval(dag_id) == pair
    flow_fn, flow_decorator = prefect.pipeline
    assert flow_fn.name == pair, "the in-process runner looks the flow up by the file stem"
    flow_name = _kwargs(flow_decorator).get("name")
    assert flow_name is not None and ast.literal_eval(flow_name) == pair


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _decorator_name(node) == name]


def _assets(nodes: list[ast.expr]) -> set[str]:
    """The names of the `Asset("…")` literals among `nodes` (an `outlets=` or `schedule=` list)."""
    return {ast.literal_eval(call.args[0]) for node in nodes for call in _calls(node, "Asset")}


def test_what_a_pipeline_lands_is_what_its_downstream_waits_for(airflow: Pipeline, prefect: Pipeline,
                                                                 pair: str) -> None:
    """Two ends of one string: Airflow's outlet Asset and the consumer's schedule, Prefect's emitted
    event and the consumer deployment's trigger in prefect.yaml (a typo there starts nothing)."""
    downstream = expectation(pair).downstream
    if downstream is None:
        return
    outlets = _assets([kw["outlets"] for _, dec in airflow.tasks if "outlets" in (kw := _kwargs(dec))])
    (consumer,) = [dec for fn, dec in _decorated(airflow.tree, "dag") if fn.name == downstream]
    assert outlets and _assets([_kwargs(consumer)["schedule"]]) == outlets, f"{airflow.path}: {downstream}"
    emitted = {(ast.literal_eval(kw["event"]), ast.literal_eval(kw["resource"])["prefect.resource.id"])
               for call in _calls(prefect.tree, "emit_event") for kw in [{k.arg: k.value for k in call.keywords}]}
    entries = yaml.safe_load((PREFECT_FLOWS / "prefect.yaml").read_text())["deployments"]
    (entry,) = [e for e in entries if e["name"] == downstream]
    assert entry["entrypoint"] == f"{pair}.py:{downstream}"
    expected = {(event, trigger["match"]["prefect.resource.id"]) for trigger in entry["triggers"]
                for event in trigger["expect"]}
    assert emitted and emitted == expected, f"{prefect.path} emits {emitted}; prefect.yaml's trigger expects {expected}"


@pytest.mark.parametrize("side", SIDES)
def test_docstring_names_the_twin(side: str, pair: str) -> None:
    pipeline = Pipeline.load(side, pair)
    twin = f"{TWIN_FOLDER[side]}/{pair}.py"
    assert twin in (ast.get_docstring(pipeline.tree) or ""), f"{pipeline.path}: module docstring must name {twin}"


@pytest.mark.parametrize("side", SIDES)
def test_short(side: str, pair: str) -> None:
    pipeline = Pipeline.load(side, pair)
    assert len(pipeline.text.splitlines()) < MAX_LINES, f"{pipeline.path}: keep pipeline files under {MAX_LINES} lines"


@pytest.mark.parametrize("side", SIDES)
def test_no_environment_reads(side: str, pair: str) -> None:
    # The lab passes settings through shared_logic (e.g. warehouse_dsn()), never via the pipeline file.
    pipeline = Pipeline.load(side, pair)
    reads = [
        node.lineno
        for node in ast.walk(pipeline.tree)
        if (isinstance(node, ast.Attribute) and node.attr in ENV_READERS)
        or (isinstance(node, ast.Name) and node.id in ENV_READERS)
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ENV_READERS for alias in node.names)
        )
    ]
    assert not reads, f"{pipeline.path}: environment read on lines {reads}"


@pytest.mark.parametrize("side", SIDES)
def test_nothing_runs_at_import_time(side: str, pair: str) -> None:
    """Only imports, definitions and constants at top level (plus Airflow's `<dag>()` registration)."""
    pipeline = Pipeline.load(side, pair)
    registration = ast.dump(ast.Expr(ast.Call(ast.Name(pair, ast.Load()), [], [])))
    # Further DAGs of the file (event_driven's consumer) are registered the same way.
    others = {ast.dump(ast.Expr(ast.Call(ast.Name(fn.name, ast.Load()), [], [])))
              for fn, _ in _decorated(pipeline.tree, "dag") if fn.name != pair}
    registered = False
    for index, node in enumerate(pipeline.tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            continue
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # module docstring
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and not any(isinstance(n, ast.Call) for n in ast.walk(node)):
            continue
        if isinstance(node, ast.If) and ast.unparse(node.test) in {"__name__ == '__main__'", '__name__ == "__main__"'}:
            continue
        if side == "airflow" and ast.dump(node) == registration:
            registered = True
            continue
        if side == "airflow" and ast.dump(node) in others:
            continue
        if side == "airflow" and isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            call = ast.Expr(ast.Call(ast.Name(pair, ast.Load()), [ast.Name(node.target.id, ast.Load())], []))
            if [ast.dump(n) for n in node.body] == [ast.dump(call)]:
                registered = True  # one DAG per value of a shaping parameter: `for length in …: bench_chain(length)`
                continue
        pytest.fail(f"{pipeline.path}:{node.lineno}: runs at import time: {ast.unparse(node)[:80]}")
    if side == "airflow":
        assert registered, f"{pipeline.path}: call {pair}() at the bottom so Airflow registers the DAG"
