"""The import rule: arrows point down only.

screens → ui → core → db; inside core, a job's package imports only the packages before it in
JOB_ORDER (siblings on one rung do not import each other), and core never imports Streamlit.
Every import statement counts, including those inside functions. Read from the source with
`ast`: nothing is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A package may import the packages of earlier rungs only.
JOB_ORDER: tuple[tuple[str, ...], ...] = (
    ("core.base",),
    ("core.office",),
    ("core.residents",),
    ("core.satisfaction",),
    ("core.mediation", "core.training"),
    ("core.visits", "core.activities"),
    ("core.reporting", "core.assessment"),
    ("core.demo",),  # synthetic data for every job
    ("core.cli",),  # the terminal's entry point: every job, and the demo
)
# Top-level folders, lowest first: each may import only those before it.
TREE_ORDER = ("db", "core", "ui", "screens")
NEVER_IN_CORE = ("streamlit",)


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement in the file, relative ones resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from core.residents import service` imports core.residents.service
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rung(module: str, order: tuple[tuple[str, ...], ...]) -> int | None:
    for index, names in enumerate(order):
        if any(module == name or module.startswith(name + ".") for name in names):
            return index
    return None


def owner(module: str, order: tuple[tuple[str, ...], ...]) -> str | None:
    for names in order:
        for name in names:
            if module == name or module.startswith(name + "."):
                return name
    return None


def violations(root: Path, job_order: tuple[tuple[str, ...], ...] = JOB_ORDER,
               tree_order: tuple[str, ...] = TREE_ORDER) -> list[str]:
    """Every import that points up or sideways, as "file:line imports module (why)"."""
    found = []
    for folder in tree_order:
        for path in sorted((root / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's scripts import only alembic and sqlalchemy
            module = module_name(path, root)
            where = f"{path.relative_to(root)}"
            mine = owner(module, job_order) if folder == "core" else None
            if folder == "core" and module != "core" and mine is None:
                found.append(f"{where} is in no rung of JOB_ORDER (add its package there)")
                continue
            for line, imported in imports_of(path, module):
                top = imported.split(".")[0]
                if top in tree_order and tree_order.index(top) > tree_order.index(folder):
                    found.append(f"{where}:{line} imports {imported} ({folder} must not import {top})")
                elif folder == "core" and top in NEVER_IN_CORE:
                    found.append(f"{where}:{line} imports {imported} (core never imports {top})")
                elif mine and top == "core":
                    theirs = owner(imported, job_order)
                    if theirs is None or theirs == mine:
                        continue  # its own package, or `from core import x` resolved above
                    if rung(imported, job_order) >= rung(module, job_order):
                        found.append(f"{where}:{line} imports {imported} ({mine} comes before {theirs})")
    return found


def test_imports_point_down_only():
    assert violations(ROOT) == []


def test_every_job_package_has_a_rung():
    packages = {f"core.{path.parent.name}" for path in (ROOT / "core").glob("*/__init__.py")}
    assert packages <= {name for names in JOB_ORDER for name in names}


# The rule itself, on small trees: each kind of wrong arrow is found.

@pytest.mark.parametrize(("file", "source", "why"), [
    ("core/base/clock.py", "from core.office import users\n", "core.base comes before core.office"),
    ("core/residents/service.py", "def f():\n    from core.mediation import service\n",
     "core.residents comes before core.mediation"),
    ("core/mediation/service.py", "from core.training.service import quotas\n",
     "core.mediation comes before core.training"),
    ("core/office/users.py", "import streamlit as st\n", "core never imports streamlit"),
    ("core/office/users.py", "from ui.i18n import t\n", "core must not import ui"),
    ("db/models.py", "from core.base import clock\n", "db must not import core"),
    ("ui/forms.py", "import screens.home\n", "ui must not import screens"),
    ("core/visits/plans.py", "from core.base.audit import record\nfrom core.reporting import reports\n",
     "core.visits comes before core.reporting"),
])
def test_a_wrong_arrow_is_named_with_its_file_and_line(tmp_path, file, source, why):
    for folder in TREE_ORDER:
        (tmp_path / folder).mkdir()
    target = tmp_path / file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    found = violations(tmp_path)
    assert len(found) == 1 and why in found[0] and found[0].startswith(file + ":"), found


def test_a_package_outside_the_order_is_named(tmp_path):
    for folder in TREE_ORDER:
        (tmp_path / folder).mkdir()
    (tmp_path / "core" / "payroll").mkdir()
    (tmp_path / "core" / "payroll" / "service.py").write_text("from core.base import clock\n")
    assert violations(tmp_path) == ["core/payroll/service.py is in no rung of JOB_ORDER (add its package there)"]


def test_arrows_down_and_within_a_package_are_allowed(tmp_path):
    for folder in TREE_ORDER:
        (tmp_path / folder).mkdir()
    (tmp_path / "core" / "mediation").mkdir()
    (tmp_path / "core" / "mediation" / "service.py").write_text(
        "from core.base import audit\nfrom core.residents import identity\nfrom core.satisfaction import service\n"
        "from core.mediation import charts\nfrom . import agreement_doc\nfrom db.models import MediationCase\n")
    (tmp_path / "screens" / "cases.py").write_text("import streamlit as st\nfrom ui import forms\nfrom core import demo\n")
    assert violations(tmp_path) == []
