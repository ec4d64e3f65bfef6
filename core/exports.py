"""Tables written to .xlsx or .csv, safe to open in Excel and WPS.

Every cell is written as text (ID numbers keep all 18 digits), and a cell that starts
with = + - @ tab or CR (or their full-width forms) is prefixed with ' so that no
spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
FORMATS = ("xlsx", "csv")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_workbook(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Several tables in one .xlsx, one sheet each: (sheet name, headers, rows)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    for name, headers, rows in sheets:
        _write_sheet(book.add_worksheet(name[:31]), bold, headers, rows)
    book.close()
    return out.getvalue()


def _write_sheet(worksheet: Any, bold: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    for column, header in enumerate(headers):
        worksheet.write_string(0, column, safe_cell(header), bold)
    for row_index, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            worksheet.write_string(row_index, column, safe_cell(cell))
    worksheet.freeze_panes(1, 0)


def write_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, *, sheet: str = "Linli") -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([safe_cell(h) for h in headers])
        writer.writerows([safe_cell(cell) for cell in row] for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel and WPS then read UTF-8
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt}")
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False, "constant_memory": True})
    _write_sheet(book.add_worksheet(sheet[:31]), book.add_format({"bold": True}), headers, rows)
    book.close()
    return out.getvalue()
