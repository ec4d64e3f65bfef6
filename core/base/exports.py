"""Tables written to .xlsx or .csv, safe to open in Excel and WPS.

Text is written as text (ID numbers are strings and keep all 18 digits), and a text cell
that starts with = + - @ tab or CR (or their full-width forms) is prefixed with ' so that
no spreadsheet runs it as a formula. Numbers (int, float, Decimal) are written as numbers,
so that a supervisor can sum them; a `Percent` (a share, 0–1) is shown as a percentage.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import xlsxwriter

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
FORMATS = ("xlsx", "csv")


class Percent(float):
    """A share (0–1) that a spreadsheet shows as a percentage and a CSV as "70.9%"."""


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value:.1%}"
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    # Judged after NFKC: prose keeps full-width and small forms (＝ ﹦ ﹢ ﹣ ﹫) that a spreadsheet may fold.
    return "'" + text if text and unicodedata.normalize("NFKC", text[0]).startswith(_FORMULA_STARTS) else text


def write_workbook(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Several tables in one .xlsx, one sheet each: (sheet name, headers, rows)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    styles = cell_styles(book)
    for name, headers, rows in sheets:
        _write_sheet(book.add_worksheet(name[:31]), styles, headers, rows)
    book.close()
    return out.getvalue()


def cell_styles(book: Any) -> dict[str, Any]:
    return {"bold": book.add_format({"bold": True}), "percent": book.add_format({"num_format": "0.0%"}),
            "bold_percent": book.add_format({"bold": True, "num_format": "0.0%"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"})}


def write_cell(worksheet: Any, row: int, column: int, value: Any, styles: dict[str, Any], *, bold: bool = False) -> None:
    """A number as a number (a Percent formatted as one), a date as a date Excel can sort and count
    with, nothing for None, anything else as formula-safe text."""
    if value is None:
        return
    if isinstance(value, date) and not isinstance(value, datetime):
        worksheet.write_datetime(row, column, datetime.combine(value, time()), styles["date"])
    elif is_number(value):
        style = ("bold_percent" if bold else "percent") if isinstance(value, Percent) else "bold" if bold else None
        worksheet.write_number(row, column, float(value), styles[style] if style else None)
    else:
        worksheet.write_string(row, column, safe_cell(value), styles["bold"] if bold else None)


def _write_sheet(worksheet: Any, styles: dict[str, Any], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    for column, header in enumerate(headers):
        write_cell(worksheet, 0, column, header, styles, bold=True)
    for row_index, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            write_cell(worksheet, row_index, column, cell, styles)
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
    _write_sheet(book.add_worksheet(sheet[:31]), cell_styles(book), headers, rows)
    book.close()
    return out.getvalue()
