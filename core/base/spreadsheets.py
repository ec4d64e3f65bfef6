"""The spreadsheet reader every import shares (residents roster, training roster).

Reads a .xlsx (first sheet) or a .csv in UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030, every
cell as read; maps header cells as offices write them to fields; and reports refused lines
(line as a spreadsheet shows it, header = line 1) as a CSV that Excel and WPS open.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class SheetLimits:
    """How large a sheet an import reads. A workbook beyond them is refused before any grid of
    its cells is built: a 1.5 KB .xlsx can declare a 1,048,576 x 16,384 sheet."""

    rows: int  # lines, the header included, counted from line 1 as a spreadsheet shows them
    columns: int
    unpacked_bytes: int = 200 * 1024 * 1024  # all of a workbook's parts, decompressed
    seconds: int = 60  # the child reading a workbook is stopped after this much CPU or waiting
    memory_bytes: int = 3 * 1024 * 1024 * 1024  # the child's address space
    text_chars: int = 50_000_000  # the text of all cells: what the server will hold of the sheet


_READER = Path(__file__).with_name("sheet_reader.py")
_REFUSED = 3  # sheet_reader's exit code for a refusal it explains
_MAX_PARTS = 2000  # parts in a workbook's zip; Excel writes a few dozen
_HEAD = 64 * 1024  # how much of a part is read to find what it declares
_log = logging.getLogger("linli.spreadsheets")
# One workbook parsed at a time per server process: each child may take up to memory_bytes.
_READERS = threading.BoundedSemaphore(1)
# What the child may send back: cells as python-calamine gives them, nothing that runs code.
_CELL_TYPES = {("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta")}


class _CellsOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _CELL_TYPES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell")


def read_rows(data: bytes, filename: str, limits: SheetLimits) -> list[list[Any]]:
    """All rows of the first sheet (or the CSV), header first, cells as read; refused with a
    message naming the limit when the sheet is beyond `limits`.

    A workbook is parsed in a child process under a memory and CPU limit (core.base.sheet_reader):
    whatever the file does to the parser, the server and its other users go on. Before that, what
    the zip declares is checked here, so that the usual oversized file gets a precise message at
    once: its parts' unpacked size and the first sheet's declared dimension.
    """
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        _check_workbook(data, limits)
        return _read_in_child(data, limits)
    if name.endswith((".csv", ".txt")):
        text = decode(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        return _csv_rows(text, dialect, limits)
    raise ImportRefused("error.import.file_type")


def _csv_rows(text: str, dialect: Any, limits: SheetLimits) -> list[list[str]]:
    """Rows read one by one, stopped at the first beyond the limits: a 20 MB file of empty lines
    is 20 million rows, which as a list once took 1.6 GB before it could be counted."""
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            if len(row) > limits.columns or len(rows) >= limits.rows:  # lines counted as C counts them
                _check_size(max(len(rows) + 1, text.count("\n")), max([len(row), *map(len, rows[:1])]), limits)
            rows.append(row)
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KB limit
        raise ImportRefused("error.import.unreadable_csv") from exc
    return rows


def _check_size(rows: int, columns: int, limits: SheetLimits) -> None:
    if rows > limits.rows or columns > limits.columns:
        raise ImportRefused("error.import.sheet_too_large", rows=rows, columns=columns, max_rows=limits.rows,
                            max_columns=limits.columns)


def _check_workbook(data: bytes, limits: SheetLimits) -> None:
    """What the .xlsx zip declares: a zip at all, its unpacked size, the first sheet's dimension."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ImportRefused("error.import.not_a_workbook") from exc
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > _MAX_PARTS or unpacked > limits.unpacked_bytes:
        raise ImportRefused("error.import.unpacked_too_large", megabytes=limits.unpacked_bytes // (1024 * 1024))
    try:
        sheet = _first_sheet_part(archive)
        dimension = _DIMENSION.search(_head_of(archive, sheet)) if sheet else None
    except Exception as exc:  # noqa: BLE001 - encrypted parts, unknown compression, bad names: all unreadable
        raise ImportRefused("error.import.unreadable_workbook") from exc
    if dimension:  # A1:T1048576, or one cell; absent or false, the child's own check still holds
        last = dimension[1].decode().replace("$", "").split(":")[-1].upper()
        letters = last.rstrip("0123456789")
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - ord("A") + 1
        _check_size(int(last[len(letters):] or 0), column, limits)


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"\$?([A-Za-z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Za-z]{1,3}\$?[0-9]{1,7})?)\"")


def _head_of(archive: zipfile.ZipFile, part: str) -> bytes:
    with archive.open(part) as stream:
        return stream.read(_HEAD)


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet (the one read), from workbook.xml and its relationships."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    first = _SHEET.search(_head_of(archive, "xl/workbook.xml"))
    if first is None:
        return None
    for relationship in _RELATIONSHIP.findall(_head_of(archive, "xl/_rels/workbook.xml.rels")):
        if re.search(rb'\bId="' + re.escape(first[1]) + rb'"', relationship):
            target = re.search(rb'\bTarget="([^"]+)"', relationship)
            if target:
                path = target[1].decode().lstrip("/")
                path = path if path.startswith("xl/") else "xl/" + path
                return path if path in names else None
    return None


def _read_in_child(data: bytes, limits: SheetLimits) -> list[list[Any]]:
    command = [sys.executable, "-I", str(_READER), str(limits.rows), str(limits.columns), str(limits.memory_bytes),
               str(limits.seconds), str(limits.text_chars)]
    # The child gets no environment: none of Linli's keys or database address reach the parser.
    if not _READERS.acquire(timeout=limits.seconds):
        raise ImportRefused("error.import.reader_busy")
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=limits.seconds + 5, check=False,
                              env={"PATH": os.defpath, "LANG": "C.UTF-8"})
    except subprocess.TimeoutExpired:
        raise ImportRefused("error.import.sheet_too_slow", seconds=limits.seconds) from None
    finally:
        _READERS.release()
    if done.returncode == 0:
        try:
            return _CellsOnly(io.BytesIO(done.stdout)).load()
        except (pickle.UnpicklingError, EOFError, ValueError) as exc:
            raise ImportRefused("error.import.unreadable_workbook") from exc
    if done.returncode == _REFUSED:
        answer = json.loads(done.stdout)
        raise ImportRefused(answer["key"], **answer["params"])
    # Killed by its limits, or the parser itself failed: the child is gone, the server is not.
    cause = done.stderr.decode(errors="replace").strip().splitlines()
    _log.warning("spreadsheet reader ended with %s: %s", done.returncode, cause[:1])
    if done.returncode == -signal.SIGXCPU:
        raise ImportRefused("error.import.sheet_too_slow", seconds=limits.seconds)
    if done.returncode in (-signal.SIGABRT, -signal.SIGKILL) or any("MemoryError" in line for line in cause[-3:]):
        raise ImportRefused("error.import.sheet_too_large_to_read", megabytes=limits.memory_bytes // (1024 * 1024))
    raise ImportRefused("error.import.unreadable_workbook")


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
