"""The spreadsheet reader every import shares (residents roster, training roster).

Reads a .xlsx (first sheet) or a .csv in UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030, every
cell as read; maps header cells as offices write them to fields; and reports refused lines
(line as a spreadsheet shows it, header = line 1) as a CSV that Excel and WPS open.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from python_calamine import CalamineWorkbook

from core.base.errors import LinliError
from core.base.text import clean


class ImportRefused(LinliError):
    """The file as a whole cannot be read (encoding, format, missing columns)."""


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    rows_read: int = 0
    imported: int = 0
    problems: list[Problem] = field(default_factory=list)
    unknown_grids: list[str] = field(default_factory=list)
    created_grids: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written in the file
    preview: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False

    @property
    def refused_lines(self) -> int:
        return len({p.line for p in self.problems})


# --- reading ------------------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("error.import.encoding")


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """All rows of the first sheet (or the CSV), header first, cells as read."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - any parser failure means "not a readable workbook"
            raise ImportRefused("error.import.unreadable_workbook") from exc
    if name.endswith((".csv", ".txt")):
        text = decode(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        try:
            return list(csv.reader(io.StringIO(text, newline=""), dialect))
        except csv.Error as exc:  # e.g. a field over the csv module's 128 KB limit
            raise ImportRefused("error.import.unreadable_csv") from exc
    raise ImportRefused("error.import.file_type")


def columns_of(header: list[Any], aliases: dict[str, str]) -> dict[str, int]:
    """field → column index, from header cells as offices write them (spaces, *, colons, any case);
    the first column naming a field wins. `aliases`: lower-case header text → field."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = aliases.get(header_word(cell_text(cell)).lower())
        if key and key not in columns:
            columns[key] = index
    return columns


def header_word(text: str) -> str:
    """A header cell as offices write it, without spaces, asterisks or colons: "* 姓名：" → 姓名."""
    return re.sub(r"[\s*＊:：]", "", clean(text))


def cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def report_csv(report: Report, translate: Callable[..., str]) -> bytes:
    """One row per refused line: line, field, reason. UTF-8 with BOM so Excel and WPS read it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "field", "reason"])
    for problem in sorted(report.problems, key=lambda p: p.line):
        writer.writerow([problem.line, translate(f"field.{problem.field}"), translate(problem.key, **problem.params)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
