"""The spreadsheet reader under hostile and careless files: each refused with a message naming the
limit, none able to take the process that asked down."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, datetime

import openpyxl
import pytest

from core.base import spreadsheets
from core.base.i18n import translate
from core.base.spreadsheets import ImportRefused, SheetLimits, read_rows
from tests import hostile_sheets

LIMITS = SheetLimits(rows=200_000, columns=60)


def refusal(data: bytes, filename: str = "roster.xlsx", limits: SheetLimits = LIMITS) -> ImportRefused:
    with pytest.raises(ImportRefused) as refused:
        read_rows(data, filename, limits)
    return refused.value


def in_words(error: ImportRefused) -> str:
    return translate("en", error.key, **error.params)


@pytest.fixture
def no_child(monkeypatch):
    """Fails the test if a child process is started: what the zip declares must be enough."""
    def refuse_to_start(*args, **kwargs):
        raise AssertionError("the child reader was started")
    monkeypatch.setattr(spreadsheets.subprocess, "run", refuse_to_start)


def test_a_sheet_declaring_a_corner_cell_is_refused_from_its_dimension_alone(no_child):
    error = refusal(hostile_sheets.corner())
    assert error.key == "error.import.sheet_too_large"
    assert error.params == {"rows": 1_048_576, "columns": 16_384, "max_rows": 200_000, "max_columns": 60}
    assert "1,048,576 lines x 16,384 columns; at most 200,000 lines x 60 columns" in in_words(error)


def test_a_wide_sheet_is_refused_from_its_dimension_alone(no_child):
    assert refusal(hostile_sheets.wide()).params["rows"] == 1_048_576


def test_the_same_limits_read_from_excel_own_files(no_child):
    """A workbook Excel's way (openpyxl writes <dimension> as Excel does), not only our handmade ones."""
    book = openpyxl.Workbook()
    book.active["A1"], book.active["BI2"] = "姓名", "x"  # column 61
    out = io.BytesIO()
    book.save(out)
    assert refusal(out.getvalue()).params == {"rows": 2, "columns": 61, "max_rows": 200_000, "max_columns": 60}


def test_a_corner_cell_without_a_dimension_kills_only_the_child_reader():
    """No dimension declared: the grid is built, in the child, whose memory limit stops it. This
    process (the server, in the app) reads on."""
    error = refusal(hostile_sheets.corner(declared=False))
    assert error.key == "error.import.sheet_too_large_to_read"
    assert "3,072 MB" in in_words(error)
    assert read_rows(hostile_sheets.workbook(hostile_sheets.HEADER), "ok.xlsx", LIMITS) == [["姓名", "身份证号", "住址"]]


def test_a_wide_sheet_without_a_dimension_is_measured_by_the_child():
    error = refusal(hostile_sheets.wide(declared=False))
    assert (error.key, error.params["rows"], error.params["columns"]) == ("error.import.sheet_too_large", 1_048_576, 20)


@pytest.mark.parametrize("build", [hostile_sheets.zip_bomb, hostile_sheets.huge_shared_strings], ids=["bomb", "sst"])
def test_a_workbook_that_unpacks_beyond_200_mb_is_refused_from_its_zip_directory(no_child, build):
    error = refusal(build())
    assert error.key == "error.import.unpacked_too_large"
    assert "more than 200 MB" in in_words(error)


def test_a_zip_bomb_that_lies_about_its_size_is_still_refused():
    assert refusal(hostile_sheets.zip_bomb(lying=True)).key in (
        "error.import.unreadable_workbook", "error.import.sheet_too_large_to_read")


@pytest.mark.parametrize("data", [b"name,id\n", b"PK\x03\x04 truncated", b"\xd0\xcf\x11\xe0 an old .xls"],
                         ids=["text", "truncated-zip", "xls-bytes"])
def test_an_xlsx_that_is_not_a_zip_says_so(no_child, data):
    error = refusal(data)
    assert error.key == "error.import.not_a_workbook"
    assert "not a real .xlsx" in in_words(error)


@pytest.mark.parametrize("filename", ["roster.xls", "roster.ods", "roster.numbers"])
def test_only_xlsx_and_csv_are_read(no_child, filename):
    assert refusal(hostile_sheets.workbook(hostile_sheets.HEADER), filename).key == "error.import.file_type"


def test_each_import_has_its_own_limits():
    small = SheetLimits(rows=3, columns=2)
    four_lines = hostile_sheets.workbook({"A1": "姓名", "A2": "甲", "A3": "乙", "A4": "丙"}, dimension="A1:A4")
    assert refusal(four_lines, limits=small).params == {"rows": 4, "columns": 1, "max_rows": 3, "max_columns": 2}
    assert len(read_rows(four_lines, "roster.xlsx", SheetLimits(rows=4, columns=2))) == 4


def test_a_dimension_that_understates_the_sheet_is_caught_by_the_child():
    lying = hostile_sheets.workbook({"A1": "姓名", "A2": "甲", "A3": "乙", "A4": "丙"}, dimension="A1:A1")
    assert refusal(lying, limits=SheetLimits(rows=3, columns=2)).params["rows"] == 4


def test_a_csv_beyond_the_limits_is_refused_with_its_size():
    wide_csv = (",".join(f"列{i}" for i in range(61)) + "\n").encode()
    assert refusal(wide_csv, "roster.csv").params == {"rows": 1, "columns": 61, "max_rows": 200_000, "max_columns": 60}
    long_csv = "姓名\n" + "甲\n" * 5
    assert refusal(long_csv.encode(), "roster.csv", SheetLimits(rows=5, columns=30)).params["rows"] == 6


def test_a_child_that_runs_past_its_time_is_stopped(monkeypatch):
    slow = [sys.executable, "-c", "import time; time.sleep(30)"]
    real_run = subprocess.run
    monkeypatch.setattr(spreadsheets.subprocess, "run", lambda command, **kwargs: real_run(
        slow, **{**kwargs, "timeout": 0.5}))
    error = refusal(hostile_sheets.workbook(hostile_sheets.HEADER), limits=SheetLimits(rows=10, columns=10, seconds=1))
    assert (error.key, error.params) == ("error.import.sheet_too_slow", {"seconds": 1})


def test_cells_come_back_with_their_types():
    """Dates, numbers and text cross the process boundary as they were read (an ID typed as a number
    is refused later because it arrives as a float)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "出生日期", "人数"])
    sheet.append(["张三", 1.1010519491231e17, date(1949, 12, 31), 3])
    out = io.BytesIO()
    book.save(out)
    rows = read_rows(out.getvalue(), "roster.xlsx", LIMITS)
    assert rows[1][0] == "张三" and isinstance(rows[1][1], float) and rows[1][3] == 3
    assert rows[1][2] in (date(1949, 12, 31), datetime(1949, 12, 31))


def test_a_small_file_that_amplifies_into_much_text_is_refused_by_the_child():
    """436 KB pointing every cell at one long shared string once added 1.2 GB to the server."""
    error = refusal(hostile_sheets.amplified(), limits=SheetLimits(rows=200_000, columns=60, text_chars=10_000_000))
    assert (error.key, error.params["max_characters"]) == ("error.import.too_much_text", 10_000_000)
    assert error.params["characters"] == 20_000 * 26 * 100


def test_an_encrypted_part_is_unreadable_not_a_crash():
    assert refusal(hostile_sheets.encrypted()).key == "error.import.unreadable_workbook"


def test_the_childs_answer_is_read_as_cells_only(monkeypatch):
    """A parser bug that made the child write a pickle of anything else would not run it here."""
    import pickle
    from pathlib import Path

    def answered(command, **kwargs):
        return subprocess.CompletedProcess(command, 0, stdout=pickle.dumps([[Path("/etc/passwd")]]), stderr=b"")
    monkeypatch.setattr(spreadsheets.subprocess, "run", answered)
    assert refusal(hostile_sheets.workbook(hostile_sheets.HEADER)).key == "error.import.unreadable_workbook"


def test_the_child_gets_none_of_linlis_environment(monkeypatch):
    seen = {}
    real_run = subprocess.run

    def spy(command, **kwargs):
        seen.update(kwargs.get("env") or {"inherited": "everything"})
        return real_run(command, **kwargs)
    monkeypatch.setattr(spreadsheets.subprocess, "run", spy)
    read_rows(hostile_sheets.workbook(hostile_sheets.HEADER), "roster.xlsx", LIMITS)
    assert not any(name.startswith(("LINLI_", "DATABASE")) for name in seen) and "inherited" not in seen


def test_a_csv_of_twenty_million_empty_lines_is_refused_without_holding_them():
    error = refusal(b"\n" * 20_000_000, "roster.csv")
    assert (error.key, error.params["rows"]) == ("error.import.sheet_too_large", 20_000_000)
