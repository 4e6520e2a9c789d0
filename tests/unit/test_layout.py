"""The code's layers, as docs/code-layout.md states them: packages without Streamlit,
no import cycles between packages, and no package holding more than 40% of the code."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "analyst",
    "charts",
    "conversations",
    "suggestions",
    "sandbox",
    "sources",
    "providers",
    "exports",
    "evaluation",
]
APP_FOLDERS = [*PACKAGES, "ui", "pages"]


def imports_of(path: Path) -> set[str]:
    """Top-level names every import in a file reaches, nested imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def code_lines(folder: str) -> int:
    return sum(len(p.read_text().splitlines()) for p in (ROOT / folder).rglob("*.py"))


def test_the_packages_import_no_streamlit() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "streamlit" in imports_of(path)
    ]
    assert offenders == []


def test_no_two_packages_import_each_other_in_a_circle() -> None:
    graph = {
        folder: {name for path in (ROOT / folder).rglob("*.py") for name in imports_of(path) if name in APP_FOLDERS}
        - {folder}
        for folder in APP_FOLDERS
    }
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {error.args[1]}") from None
    assert order.index("sandbox") < order.index("analyst") < order.index("ui") < order.index("pages")


def test_no_package_holds_more_than_forty_percent_of_the_code() -> None:
    lines = {folder: code_lines(folder) for folder in APP_FOLDERS}
    total = sum(lines.values()) + len((ROOT / "app.py").read_text().splitlines())
    shares = {folder: round(count / total, 3) for folder, count in lines.items()}
    assert max(shares.values()) <= 0.40, shares


IO_TYPES = {"SessionDatabase", "ModelClient", "Engine", "Connection"}
IO_CALLS = {"run_query", "internal_query", "execute", "complete", "tables", "memo"}


def test_a_build_function_does_no_io() -> None:
    """``build_*`` constructs from what it is given; what reads a database or calls a model is ``load_*``, ``run_*``,
    ``find_*`` or ``fetch_*`` (STYLE.md 9)."""
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.FunctionDef) or not node.name.startswith("build_"):
                    continue
                annotations = {ast.unparse(a.annotation) for a in node.args.args if a.annotation}
                calls = {
                    call.func.attr
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                }
                if any(t in a for a in annotations for t in IO_TYPES) or calls & IO_CALLS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []
