"""Authoring cost of each side of a pair, counted from the AST (never by hand).

Counts the orchestration wrapper only — the files in `airflow_dags/` and `prefect_flows/` — since
the business logic they call is shared and identical on both sides.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["AuthoringCost", "authoring_cost"]

ORCHESTRATOR_MODULES = ("airflow", "prefect")


@dataclass(frozen=True)
class AuthoringCost:
    code_lines: int
    """Lines holding code: not blank, not a comment, not a docstring."""
    imports: int
    orchestrator_imports: int
    decorators: int
    config_keywords: int
    """Keyword arguments given to decorators (retries, schedule, tags, …): configuration as code."""
    rshift_dependencies: int
    """`a >> b` expressions: explicit dependency wiring."""
    xcom_calls: int
    """Explicit `xcom_push`/`xcom_pull` calls."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def _code_lines(source: str, tree: ast.Module) -> int:
    docstrings = _docstring_lines(tree)
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                          tokenize.ENDMARKER):
            continue
        lines.update(line for line in range(token.start[0], token.end[0] + 1) if line not in docstrings)
    return len(lines)


def authoring_cost(path: Path) -> AuthoringCost:
    source = path.read_text()
    tree = ast.parse(source)
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]

    def imported(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.ImportFrom):
            return [node.module or ""]
        return [alias.name for alias in node.names]

    decorators = [d for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for d in n.decorator_list]
    return AuthoringCost(
        code_lines=_code_lines(source, tree),
        imports=len(imports),
        orchestrator_imports=sum(name.split(".")[0] in ORCHESTRATOR_MODULES for n in imports for name in imported(n)),
        decorators=len(decorators),
        config_keywords=sum(len(d.keywords) for d in decorators if isinstance(d, ast.Call)),
        rshift_dependencies=sum(isinstance(n, ast.BinOp) and isinstance(n.op, ast.RShift) for n in ast.walk(tree)),
        xcom_calls=sum(isinstance(n, ast.Attribute) and n.attr in ("xcom_push", "xcom_pull") for n in ast.walk(tree)),
    )
