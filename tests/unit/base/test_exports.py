"""Exports: numbers as numbers, text as formula-safe text, masked for workers, full only where allowed, audited."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from core.base import exports
from core.base.errors import Forbidden
from core.residents import service as residents
from core.residents.service import Filters, ResidentForm
from db.engine import read_session, write_session
from db.models import AuditEvent
from tests.factories import make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
ID_A = make_resident_id("19800101", "011")


@pytest.mark.parametrize("value", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx", "＝HYPERLINK(\"x\")", "＋1", "－1", "＠a",
                                   "﹦1", "﹢1", "﹣1", "﹫a"])  # small forms, kept as typed in prose
def test_cells_that_could_run_as_formulas_are_escaped(value):
    assert exports.safe_cell(value) == "'" + value


def test_numbers_stay_numbers_and_shares_read_as_percentages():
    from decimal import Decimal

    data = exports.write_workbook([("s", ["month", "cases", "rate", "amount", "id"],
                                    [["2026-11", 27, exports.Percent(0.7086), Decimal("800.00"), ID_A],
                                     ["2026-12", 0, None, -5, "=1"]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    first, second = list(sheet.iter_rows(min_row=2))
    assert [(c.value, c.data_type) for c in first] == [("2026-11", "s"), (27, "n"), (0.7086, "n"), (800, "n"),
                                                        (ID_A, "s")]  # an ID is text: all 18 digits kept
    assert first[2].number_format == "0.0%"
    assert [c.value for c in second] == ["2026-12", 0, None, -5, "'=1"]
    assert exports.safe_cell(exports.Percent(0.7086)) == "70.9%"  # in a CSV


def registered(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        register(session, world.actors["worker"], VAULT, ResidentForm(
            name="张伟", id_number=ID_A, phone="13812345678", grid_id=world.grid_ids[0], address="=HYPERLINK(\"http://x\")",
            notes="@cmd", tags=["disabled"]))
    return world


def test_worker_xlsx_has_no_formula_and_no_full_id(engine):
    world = registered(engine)
    with write_session(engine) as session:
        data = residents.export_file(session, world.actors["worker"], VAULT, Filters(), "xlsx", "zh-CN")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert {cell.data_type for cell in cells if cell.value is not None} <= {"s", "n", "d"}  # never a formula ("f")
    values = [str(cell.value) for cell in cells if cell.value is not None]
    assert ID_A not in values and "13812345678" not in values
    assert "**************" + ID_A[-4:] in values and "138****5678" in values
    header = [cell.value for cell in sheet[1]]
    born = sheet.cell(row=2, column=header.index("出生日期") + 1)
    assert born.is_date and born.value.date().isoformat() == f"{ID_A[6:10]}-{ID_A[10:12]}-{ID_A[12:14]}"
    assert "'=HYPERLINK(\"http://x\")" in values and "'@cmd" in values and "残疾人" in values


def test_full_export_only_for_roles_allowed_and_audited(engine):
    world = registered(engine)
    with pytest.raises(Forbidden):
        with write_session(engine) as session:
            residents.export_file(session, world.actors["worker"], VAULT, Filters(), "csv", "zh-CN", full=True)
    with write_session(engine) as session:
        data = residents.export_file(session, world.actors["supervisor"], VAULT, Filters(), "csv", "en", full=True)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Name", "Sex", "Date of birth", "Age", "ID number", "Phone"]
    assert rows[1][4] == ID_A and rows[1][5] == "13812345678"
    with read_session(engine) as session:
        exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [("\"full\": true" in e.after) for e in exported] == [True]


def test_worker_export_holds_only_their_grids(engine):
    world = registered(engine)
    with write_session(engine) as session:
        register(session, world.actors["supervisor"], VAULT, ResidentForm(
            name="外人", id_number=make_resident_id("19700101", "021"), grid_id=world.grid_ids[1]))
    with write_session(engine) as session:
        rows = residents.export_rows(session, world.actors["worker"], VAULT, Filters())
    assert [row[0] for row in rows] == ["张伟"]
