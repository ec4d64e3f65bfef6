"""Synthetic rosters as CSV and .xlsx files, for benchmarks."""

from __future__ import annotations

import csv
import io

from core.demo import HEADER, people  # noqa: F401 - re-exported for the benchmarks and tests


def as_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def as_xlsx(rows: list[list[str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(index, column, value)
    book.close()
    return out.getvalue()
