"""requirements.txt is what Streamlit Community Cloud installs: every package the app imports, pinned, and no other."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.unit.test_layout import APP_FOLDERS

ROOT = Path(__file__).resolve().parents[2]
LOCAL = set(APP_FOLDERS)  # the app's own folders, as the layout test lists them
APP_CODE = [ROOT / "app.py", *[p for folder in sorted(LOCAL) for p in (ROOT / folder).rglob("*.py")]]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[normalized(name.split("[")[0])] = version  # psycopg[binary]: the package, with its extra
    return pins


def imported_modules() -> set[str]:
    found: set[str] = set()
    for path in APP_CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - LOCAL - set(sys.stdlib_module_names) - {"__future__"}


def test_every_requirement_is_pinned_exactly() -> None:
    pins = requirements()
    assert pins and all(re.fullmatch(r"\d+(\.\d+)*(\.post\d+)?", version) for version in pins.values()), pins


# Packages the app never imports but a Streamlit feature it uses needs: st.login (the private demo) needs Authlib,
# st.connection's SQLAlchemy loads psycopg for a PostgreSQL store (README "What is kept, where").
STREAMLIT_FEATURES = {"authlib", "psycopg"}


def test_requirements_txt_lists_exactly_the_packages_the_app_imports() -> None:
    distributions = packages_distributions()
    needed = {normalized(distributions[module][0]) for module in imported_modules()} | STREAMLIT_FEATURES
    assert needed == set(requirements()), (
        f"imported but not required: {needed - set(requirements())}; required but not imported: "
        f"{set(requirements()) - needed}"
    )


def test_no_test_or_benchmark_tool_is_a_runtime_requirement() -> None:
    assert not {"pytest", "playwright", "ruff", "bpe-openai"} & set(requirements())


def test_streamlit_finds_the_authlib_that_st_login_needs() -> None:
    from streamlit.auth_util import is_authlib_installed

    assert is_authlib_installed()
