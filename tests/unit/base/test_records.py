"""Every scoped record a service loads by id goes through records.load_visible, which asks can().

A plain session.get() of a resident, case or rating skips the permission question: as a worker of
grid 1, mediation.register once accepted a party from grid 3 and showed their name in the case.
List queries keep their scope in SQL (residents._filtered, mediation._scoped, ...)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# Rows that belong to a grid and hold what only its staff may read.
SCOPED = {"Resident", "Household", "MediationCase", "CaseParty", "CaseSession", "Agreement", "FollowUp",
          "Rating", "SurveyToken"}
HELPERS = {ROOT / "core" / "base" / "records.py"}  # load_visible and load_for_edit themselves


def unchecked_gets(source: str) -> list[tuple[int, str]]:
    """(line, model) of each session.get(Model, ...) whose model is scoped, or not named at all."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "session" and node.args):
            model = node.args[0]
            name = model.id if isinstance(model, ast.Name) else ast.unparse(model)
            if name in SCOPED or not isinstance(model, ast.Name):
                found.append((node.lineno, name))
    return found


def test_no_service_loads_a_scoped_record_without_asking_can():
    offenders = [f"{path.relative_to(ROOT)}:{line} session.get({model}, ...)"
                 for path in sorted((ROOT / "core").rglob("*.py")) if path not in HELPERS
                 for line, model in unchecked_gets(path.read_text(encoding="utf-8"))]
    assert offenders == [], "load it with core.base.records.load_visible"


@pytest.mark.parametrize(("source", "found"), [
    ("resident = session.get(Resident, resident_id)", [(1, "Resident")]),
    ("def f(session):\n    return session.get(models.Rating, 3)", [(2, "models.Rating")]),
    ("grid = session.get(Grid, grid_id)", []),
    ("row = cache.get(Resident)", []),
])
def test_the_check_finds_a_scoped_get_and_only_that(source, found):
    assert unchecked_gets(source) == found
