"""Which environment runs what: code under `comparisons/inside/<side>/` runs in that orchestrator's environment
(`common/` in both), the rest of `comparisons/` in the lab's. The folder says it; these rules keep it true.

AST only: nothing here imports the modules it reads, so the rules hold on a machine with no environment yet.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPARISONS = ROOT / "comparisons"
INSIDE = COMPARISONS / "inside"
SIDES = ("airflow", "prefect")
FOLDERS = (*SIDES, "common")

#: Lab modules that code under comparisons/inside/ may import: each needs only the standard library and
#: shared_logic (checked below), so the orchestrators' environments can import it too.
ENV_NEUTRAL = frozenset({"comparisons.errors", "comparisons.pairs", "comparisons.settings",
                         "comparisons.stack.secrets", "comparisons.stack.services", "comparisons.stack.hosts",
                         # the compose file's lab-secrets job runs these in the Airflow image
                         "comparisons.stack.compose_secrets", "comparisons.stack.compose",
                         "comparisons.stack.environments"})
#: Those and the packages Python imports on the way to them (their __init__.py runs too).
IMPORTABLE_INSIDE = ENV_NEUTRAL | {m.rsplit(".", i)[0] for m in ENV_NEUTRAL for i in range(1, m.count(".") + 1)}

#: Libraries besides its orchestrator that a side's code imports, with the distribution that provides each:
#: they come with the orchestrator (checked against requirements/<side>.lock.txt).
SHIPPED_WITH = {"airflow": {"sqlalchemy": "sqlalchemy"}, "prefect": {"yaml": "pyyaml", "pydantic": "pydantic"}}

STDLIB = frozenset(sys.stdlib_module_names)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def module_path(name: str) -> Path | None:
    """The file (or namespace folder) of a module of this repository, None if there is none."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py", base):
        if candidate.exists():
            return candidate
    return None


@functools.cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


@functools.cache
def imports(path: Path) -> tuple[tuple[int, str], ...]:
    """(line, absolute module name) of every import in the file, at any level (inside functions too).

    `from package import module` counts as importing `package.module`; relative imports are resolved.
    """
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join([*package[: len(package) - node.level + 1], node.module or ""] if node.level
                            else [node.module or ""]).strip(".")
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((node.lineno, submodule if module_path(submodule) else base))
    return tuple(found)


def python_files(folder: Path) -> list[Path]:
    files = sorted(folder.rglob("*.py"))
    assert files, f"no Python files under {folder.relative_to(ROOT)}: has the layout moved?"
    return files


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_side_imports_only_its_own_orchestrator(folder: str) -> None:
    others = [side for side in SIDES if side != folder]
    for path in python_files(INSIDE / folder):
        for line, name in imports(path):
            for other in others:
                if top(name) == other or name.startswith(f"comparisons.inside.{other}"):
                    runs_in, shared = ("both environments", "") if folder == "common" else (
                        f"{folder}'s environment", " and what both sides need to comparisons/inside/common/")
                    pytest.fail(f"{where(path, line)} imports {name}, but comparisons/inside/{folder}/ runs in "
                                f"{runs_in}: move the code that needs {other} to comparisons/inside/{other}/{shared}")


def test_the_lab_imports_no_orchestrator() -> None:
    for path in python_files(COMPARISONS):
        if INSIDE in path.parents:
            continue
        for line, name in imports(path):
            for side in SIDES:
                assert top(name) != side and not name.startswith(f"comparisons.inside.{side}"), (
                    f"{where(path, line)} imports {name}, but the lab's venv has no {side}: move that code to "
                    f"comparisons/inside/{side}/ and run it with {side}'s python as a subprocess "
                    f"(as comparisons/drift/table.py runs the drift probes)")


def test_inside_imports_from_the_lab_only_env_neutral_modules() -> None:
    for path in python_files(INSIDE):
        for line, name in imports(path):
            if top(name) != "comparisons" or name == "comparisons.inside" or name.startswith("comparisons.inside."):
                continue
            assert name in IMPORTABLE_INSIDE, (
                f"{where(path, line)} imports {name}, a lab module the orchestrators' environments may not be able "
                f"to import: move what is needed to comparisons/inside/common/, or, if {name} needs only the "
                f"standard library and shared_logic, add it to ENV_NEUTRAL in tests/unit/test_layout.py")


@pytest.mark.parametrize("module", sorted(IMPORTABLE_INSIDE))
def test_env_neutral_modules_import_only_the_standard_library_and_shared_logic(module: str) -> None:
    path = module_path(module)
    assert path is not None, f"ENV_NEUTRAL names {module}, which does not exist: update tests/unit/test_layout.py"
    if path.is_dir():  # a namespace package: no code of its own
        return
    for line, name in imports(path):
        assert top(name) in STDLIB or top(name) == "shared_logic" or name in IMPORTABLE_INSIDE, (
            f"{where(path, line)} imports {name}, so {module} is no longer importable in the orchestrators' "
            f"environments, which run it from comparisons/inside/: keep {module} to the standard library and "
            f"shared_logic, or move what comparisons/inside/ uses of it into comparisons/inside/common/")


@pytest.mark.parametrize("folder", FOLDERS)
def test_inside_imports_no_library_its_environment_lacks(folder: str) -> None:
    shipped = set(SHIPPED_WITH.get(folder, {})) | ({folder} if folder in SIDES else set())
    if folder in SIDES:
        environment, otherwise = f"{folder}'s environment", (
            f"if {folder} ships it, add it to SHIPPED_WITH in tests/unit/test_layout.py")
    else:
        environment, otherwise = "one of the orchestrators' environments", "move the code to the side that has it"
    for path in python_files(INSIDE / folder):
        for line, name in imports(path):
            assert top(name) in STDLIB | shipped | {"comparisons", "shared_logic"}, (
                f"{where(path, line)} imports {name}, which {environment} may not have: use the standard "
                f"library, or {otherwise}")


@pytest.mark.parametrize("side", SIDES)
def test_the_libraries_a_side_relies_on_come_with_its_orchestrator(side: str) -> None:
    lock = (ROOT / "requirements" / f"{side}.lock.txt").read_text().lower()
    for library, distribution in SHIPPED_WITH[side].items():
        assert re.search(rf"^{re.escape(distribution)}==", lock, flags=re.M), (
            f"SHIPPED_WITH says {side}'s environment has {library} ({distribution}), but "
            f"requirements/{side}.lock.txt does not pin it")


def _literal(path: Path, name: str) -> dict[str, str]:
    for node in tree(path).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.relative_to(ROOT)} no longer defines {name}")


@pytest.mark.parametrize(("path", "name"), [(INSIDE / "__init__.py", "INPROCESS_MODULES"),
                                            (COMPARISONS / "drift" / "table.py", "PROBES")],
                         ids=["INPROCESS_MODULES", "PROBES"])
def test_each_sides_entry_points_live_in_its_folder(path: Path, name: str) -> None:
    modules = _literal(path, name)
    assert set(modules) == set(SIDES), f"{name} should name one module per side {SIDES}, not {sorted(modules)}"
    for side, module in modules.items():
        assert module.startswith(f"comparisons.inside.{side}.") and module_path(module), (
            f"{name}[{side!r}] is {module}: {side}'s venv runs it, so it belongs under comparisons/inside/{side}/")


def test_commands_run_modules_that_exist() -> None:
    """Commands name modules as strings (`python -m comparisons...`): a moved module must not leave one stale."""
    for path in [*python_files(COMPARISONS), *python_files(ROOT / "tests")]:
        for node in ast.walk(tree(path)):
            if not isinstance(node, ast.List | ast.Tuple):
                continue
            words = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
            for flag, module in zip(words, words[1:], strict=False):
                if flag == "-m" and isinstance(module, str) and top(module) == "comparisons":
                    assert module_path(module), (
                        f"{where(path, node.lineno)} runs `python -m {module}`, which does not exist: point it "
                        f"at the module's new place")
