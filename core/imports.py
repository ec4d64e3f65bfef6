"""Import of the office's roster (.xlsx, or .csv in UTF-8, UTF-8 with BOM, GBK/GB18030).

Used by the import screen and by `python -m core.cli import-residents`. Everything is read
as text; an ID cell that Excel turned into a number is refused (its last digits are gone).
Every bad row is reported with its line as a spreadsheet shows it (header = line 1). By
default nothing is written unless every row is good; one transaction, bulk inserts.
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
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core import audit, clock, communities, residents
from core.crypto import Vault
from core.errors import Invalid, InvalidMany, LinliError
from core.permissions import Actor, can, require
from core.pinyin import full_and_initials
from core.text import clean
from core.validation import mask_id
from db.models import Community, Grid, Household, Resident

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "居民姓名", "人员姓名", "name"),
    "sex": ("性别", "sex", "gender"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "id", "idnumber"),
    "birth_date": ("出生日期", "出生年月日", "出生年月", "生日", "birthdate"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "phone"),
    "address": ("住址", "地址", "家庭住址", "居住地址", "现住址", "address"),
    "grid": ("网格", "所属网格", "网格名称", "grid"),
    "tags": ("人员类别", "类别", "特殊人群", "人群类别", "标签", "tags"),
    "notes": ("备注", "notes"),
    "relation": ("与户主关系", "户主关系", "关系", "relation"),
    "ethnicity": ("民族", "ethnicity"),
}
_HEADER_INDEX = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
TAG_WORDS = {
    "独居老人": "elderly_alone", "独居": "elderly_alone", "空巢老人": "empty_nest", "空巢": "empty_nest",
    "残疾人": "disabled", "残疾": "disabled", "低保": "dibao", "低保户": "dibao", "低保对象": "dibao",
    "留守儿童": "left_behind_child", "优抚对象": "special_care", "优抚": "special_care",
    "失业人员": "unemployed", "失业": "unemployed",
}
_TAG_SPLIT = re.compile(r"[;；、,，/\s]+")
CHUNK = 1000
_NEEDED_WITHOUT_ID = {"error.birth.required_without_id", "error.sex.required_without_id"}


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


def map_header(header: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _HEADER_INDEX.get(re.sub(r"[\s*＊:：]", "", clean(str(cell) if cell is not None else "")).lower())
        if key and key not in columns:
            columns[key] = index
    if "name" not in columns:
        raise ImportRefused("error.import.no_name_column")
    return columns


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def _tags(text: str) -> list[str]:
    if not text:
        return []
    words = [w for w in _TAG_SPLIT.split(clean(text)) if w]
    unknown = [w for w in words if w not in TAG_WORDS and w not in residents.TAGS]
    if unknown:
        raise Invalid("tags", "error.tag.unknown", tags="、".join(unknown))
    return [TAG_WORDS.get(w, w) for w in words]


# --- planning and writing -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Good:
    line: int
    data: residents.CleanResident
    id_hash: str | None


class _Grids:
    """Grid names in the file → grid ids, created on request."""

    def __init__(self, session: Session, actor: Actor, create: bool, default_grid_id: int | None) -> None:
        self.session, self.actor, self.create, self.default_grid_id = session, actor, create, default_grid_id
        self.by_name: dict[str, list[int]] = {}
        self.known_ids: set[int] = set()
        for grid_id, name in session.execute(select(Grid.id, Grid.name)):
            self.by_name.setdefault(name, []).append(grid_id)
            self.known_ids.add(grid_id)
        self.unknown: list[str] = []

    def resolve(self, name: str) -> int:
        name = clean(name)
        if not name:
            if self.default_grid_id is None:
                raise Invalid("grid", "error.required")
            if self.default_grid_id not in self.known_ids:
                raise Invalid("grid", "error.grid.unknown")
            if not can(self.actor, "resident.edit", self.default_grid_id):
                raise Invalid("grid", "error.grid.not_yours")
            return self.default_grid_id
        found = self.by_name.get(name, [])
        if len(found) > 1:
            raise Invalid("grid", "error.grid.ambiguous", grid=name)
        if not found:
            if name not in self.unknown:
                self.unknown.append(name)
            if not self.create:
                raise Invalid("grid", "error.grid.unknown_named", grid=name)
            return -len(self.unknown)  # placeholder until the grid is created at write time
        if not can(self.actor, "resident.edit", found[0]):
            raise Invalid("grid", "error.grid.not_yours")
        return found[0]


def _default_community(session: Session, actor: Actor, now: datetime) -> int:
    existing = session.scalar(select(Community.id).order_by(Community.id))
    if existing is not None:
        return actor.community_id or existing
    system = Actor(id=actor.id, username=actor.username, role="admin")
    return communities.create_community(session, system, name="默认社区", now=now).id


def import_residents(
    session: Session,
    actor: Actor,
    vault: Vault,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    allow_partial: bool = False,
    create_grids: bool = False,
    default_grid_id: int | None = None,
    progress: Callable[[float, str], None] | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> Report:
    require(actor, "resident.import")
    if create_grids and not can(actor, "resident.create_grids"):
        raise Invalid("create_grids", "error.forbidden")
    progress = progress or (lambda fraction, stage: None)
    now = now or clock.now()
    rows = read_rows(data, filename)
    if not rows:
        raise ImportRefused("error.import.empty")
    columns = map_header(rows[0])
    report = Report(columns={key: _text(rows[0][index]) for key, index in columns.items()})
    grids = _Grids(session, actor, create_grids, default_grid_id)

    def cell(row: list[Any], key: str) -> Any:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else None

    def text(row: list[Any], key: str) -> str:
        value = cell(row, key)
        return value if type(value) is str else _text(value)  # CSV cells are text already

    good: list[_Good] = []
    seen_ids: dict[str, int] = {}
    body = rows[1:]
    for offset, row in enumerate(body):
        line = offset + 2
        if not any(c is not None and str(c).strip() for c in row):
            continue
        report.rows_read += 1
        problems: list[Invalid] = []
        id_cell = cell(row, "id_number")
        if isinstance(id_cell, (int, float)) and not isinstance(id_cell, bool):
            problems.append(Invalid("id_number", "error.import.id_is_number"))
            id_cell = ""
        try:
            tags = _tags(text(row, "tags"))
        except Invalid as exc:
            problems.append(exc)
            tags = []
        try:
            grid_id = grids.resolve(text(row, "grid"))
        except Invalid as exc:
            problems.append(exc)
            grid_id = 0
        form = residents.ResidentForm(
            name=text(row, "name"), id_number=_text(id_cell), birth_date=text(row, "birth_date"),
            sex=text(row, "sex"), phone=text(row, "phone"), grid_id=grid_id, address=text(row, "address"),
            relation=text(row, "relation"), ethnicity=text(row, "ethnicity"), tags=tags, notes=text(row, "notes"),
        )
        try:
            clean_row = residents.clean_form(form, today=today)
        except InvalidMany as many:
            id_refused = any(p.field == "id_number" for p in problems)
            # With the ID refused, "birth date needed without an ID" would only repeat it.
            problems.extend(e for e in many.errors if not (id_refused and e.key in _NEEDED_WITHOUT_ID))
            clean_row = None
        if clean_row is not None and not problems:
            id_hash = vault.lookup_hash(clean_row.id_number.value) if clean_row.id_number else None
            if id_hash and id_hash in seen_ids:
                problems.append(Invalid("id_number", "error.import.duplicate_in_file", line=seen_ids[id_hash]))
            else:
                if id_hash:
                    seen_ids[id_hash] = line
                good.append(_Good(line, clean_row, id_hash))
        report.problems.extend(Problem(line, p.field, p.key, p.params) for p in problems)
        if offset % 2000 == 0:
            progress(0.5 * offset / max(len(body), 1), "validate")

    _refuse_registered(session, good, report)
    report.unknown_grids = list(grids.unknown)
    report.preview = [_preview(g) for g in good[:20]]
    progress(0.5, "validate")

    if dry_run or (report.problems and not allow_partial) or not good:
        progress(1.0, "done")
        return report
    _write(session, actor, vault, good, grids, report, now, progress)
    audit.record(session, actor, "resident_import", object_type="import", object_id=filename[:64],
                 after={"rows_read": report.rows_read, "imported": report.imported,
                        "refused_lines": report.refused_lines, "created_grids": report.created_grids}, now=now)
    progress(1.0, "done")
    return report


def _refuse_registered(session: Session, good: list[_Good], report: Report) -> None:
    """Drop rows whose ID is already registered, reporting each."""
    hashes = [g.id_hash for g in good if g.id_hash]
    registered: set[str] = set()
    for start in range(0, len(hashes), 900):
        chunk = hashes[start:start + 900]
        registered.update(session.scalars(select(Resident.id_hash).where(Resident.id_hash.in_(chunk))))
    if not registered:
        return
    kept = []
    for row in good:
        if row.id_hash in registered:
            report.problems.append(Problem(row.line, "id_number", "error.import.already_registered"))
        else:
            kept.append(row)
    good[:] = kept
    report.problems.sort(key=lambda p: p.line)


def _preview(row: _Good) -> dict[str, Any]:
    data = row.data
    return {"line": row.line, "name": data.name, "sex": data.sex, "birth_date": data.birth_date,
            "id_number": mask_id(data.id_number.value) if data.id_number else "", "address": data.address.text,
            "tags": list(data.tags)}


def _write(session: Session, actor: Actor, vault: Vault, good: list[_Good], grids: _Grids, report: Report,
           now: datetime, progress: Callable[[float, str], None]) -> None:
    # Grids the file named that did not exist, when asked to create them.
    placeholder_to_id: dict[int, int] = {}
    if grids.unknown and grids.create:
        community_id = _default_community(session, actor, now)
        for index, name in enumerate(grids.unknown, start=1):
            grid = communities.create_grid(session, Actor(id=actor.id, username=actor.username, role="admin"),
                                           community_id=community_id, name=name, now=now)
            placeholder_to_id[-index] = grid.id
            report.created_grids.append(name)

    def grid_of(row: _Good) -> int:
        return placeholder_to_id.get(row.data.grid_id, row.data.grid_id)

    # Households: one per (grid, address), reusing those already registered.
    grid_ids = sorted({grid_of(g) for g in good})
    households: dict[tuple[int, str], int] = {
        (grid_id, address): household_id
        for household_id, grid_id, address in session.execute(
            select(Household.id, Household.grid_id, Household.address).where(Household.grid_id.in_(grid_ids)))
    }
    sqlite = session.get_bind().dialect.name == "sqlite"
    stamp = _driver_value(now, sqlite)
    new_households = []
    for row in good:
        key = (grid_of(row), row.data.address.text)
        if row.data.address.text and key not in households:
            households[key] = 0
            a = row.data.address
            new_households.append([key[0], a.text, a.compound, a.building, a.unit, a.room, stamp, 1])
    for values, household_id in zip(new_households, _reserve_ids(session, "households", len(new_households)),
                                    strict=True):
        values.insert(0, household_id)
        households[(values[1], values[2])] = household_id
    _bulk_insert(session, "households", _HOUSEHOLD_COLUMNS, new_households)

    total = len(good)
    resident_ids = _reserve_ids(session, "residents", total)
    for start in range(0, total, CHUNK):
        chunk = good[start:start + CHUNK]
        ids = resident_ids[start:start + CHUNK]
        values = []
        for row, resident_id in zip(chunk, ids, strict=True):
            data = row.data
            pinyin, initials = full_and_initials(data.name)
            grid_id = grid_of(row)
            id_value = data.id_number.value if data.id_number else None
            values.append((
                resident_id, grid_id, households.get((grid_id, data.address.text)) or None, data.name, pinyin,
                initials, data.sex, data.birth_date.isoformat() if sqlite else data.birth_date,
                vault.encrypt(id_value) if id_value else None, row.id_hash, mask_id(id_value) if id_value else "",
                data.phone, data.phone[-4:], data.relation, data.ethnicity, "active", data.notes, stamp, stamp, 1,
            ))
        _bulk_insert(session, "residents", _RESIDENT_COLUMNS, values)
        tags = [(rid, tag) for rid, row in zip(ids, chunk, strict=True) for tag in row.data.tags]
        _bulk_insert(session, "resident_tags", ("resident_id", "tag"), tags)
        report.imported += len(chunk)
        progress(0.5 + 0.5 * report.imported / total, "write")
    report.written = True


_HOUSEHOLD_COLUMNS = ("id", "grid_id", "address", "compound", "building", "unit", "room", "created_at", "version")
_RESIDENT_COLUMNS = ("id", "grid_id", "household_id", "name", "name_pinyin", "name_initials", "sex", "birth_date",
                     "id_enc", "id_hash", "id_masked", "phone", "phone_last4", "relation", "ethnicity", "status",
                     "notes", "created_at", "updated_at", "version")


def _bulk_insert(session: Session, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    """executemany straight through the driver, values already in the driver's form.

    SQLAlchemy's per-row parameter processing cost more than the insert itself on a
    100k-row roster. `table` and `columns` are constants of this module, never input.
    """
    if not rows:
        return
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    connection.exec_driver_sql(sql, [tuple(row) for row in rows] if rows and isinstance(rows[0], list) else rows)


def _driver_value(value: datetime, sqlite: bool) -> Any:
    """A timestamp as SQLAlchemy's SQLite DateTime stores it (ISO text); PostgreSQL takes it as is."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


def _reserve_ids(session: Session, table: str, count: int) -> list[int]:
    """Primary keys for `count` new rows, so bulk inserts need no RETURNING.

    (With RETURNING in parameter order, SQLite falls back to one statement per row.)
    PostgreSQL hands out a block from the table's sequence; on SQLite the import holds
    the write lock (BEGIN IMMEDIATE), so the next ids after the largest are ours.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table, "count": count}))
    start = (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1  # table: a constant of this module
    return list(range(start, start + count))


def report_csv(report: Report, translate: Callable[..., str]) -> bytes:
    """One row per refused line: line, field, reason. UTF-8 with BOM so Excel and WPS read it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "field", "reason"])
    for problem in sorted(report.problems, key=lambda p: p.line):
        writer.writerow([problem.line, translate(f"field.{problem.field}"), translate(problem.key, **problem.params)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
