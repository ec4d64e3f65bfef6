"""Import of the office's roster (.xlsx, or .csv in UTF-8, UTF-8 with BOM, GBK/GB18030).

Used by the import screen and by `python -m core.cli import-residents`. Everything is read
as text; an ID cell that Excel turned into a number is refused (its last digits are gone).
Every bad row is reported with its line as a spreadsheet shows it (header = line 1). By
default nothing is written unless every row is good; one transaction, bulk inserts.

Rows are checked block by block (core.residents.import_check) and written as they come
(core.residents.import_write, inside a savepoint undone if the import turns out refused), in the
caller's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, exists, select, tuple_
from sqlalchemy.orm import Session

from core.base import audit, clock
from core.base.crypto import Vault
from core.base.errors import Invalid
from core.base.gc_pause import collector_paused
from core.base.permissions import Actor, can, require, sees_all_grids
from core.base.spreadsheets import (
    ImportRefused,
    Problem,
    Report,
    SheetLimits,
    cell_text,
    columns_of,
    header_word,
    read_rows,
)
from core.base.text import clean
from core.office import communities
from core.residents import lookups
from core.residents import service as residents
from core.residents.import_check import TAG_WORDS, CheckContext, Checked, Prepared, check_rows
from core.residents.import_write import RosterWriter
from db.bulk import driver_timestamp
from db.models import Grid, Resident

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
    "hukou": ("户籍类型", "人口类型", "户籍性质", "户口性质", "户籍状态", "hukou"),
}
_HEADER_INDEX = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
__all__ = ["HEADERS", "TAG_WORDS", "ImportRefused", "Problem", "Report", "import_residents"]
CHUNK = 2000  # rows checked and written per block
# A street's whole roster fits (a 社区 holds a few thousand to tens of thousands of residents);
# a sheet beyond is refused before its cells are read.
SHEET_LIMITS = SheetLimits(rows=200_000, columns=60)
_ID_SHAPED = re.compile(r"[0-9]{17}[0-9Xx]")


def map_header(header: list[Any]) -> dict[str, int]:
    columns = columns_of(header, _HEADER_INDEX)
    if "name" not in columns:
        raise ImportRefused("error.import.no_name_column")
    return columns


# --- checking and writing -----------------------------------------------------------------------

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
        self._answers: dict[str, int | Invalid] = {}  # a roster names a few grids many times

    def resolve(self, cell: str) -> int:
        answer = self._answers.get(cell)
        if answer is None:
            try:
                answer = self._resolve(cell)
            except Invalid as exc:
                answer = exc
            self._answers[cell] = answer
        if isinstance(answer, Invalid):
            raise answer
        return answer

    def _resolve(self, cell: str) -> int:
        name = clean(cell)
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
            if not self.create:
                self._note_unknown(name)
                raise Invalid("grid", "error.grid.unknown_named", grid=name)
            communities.valid_name(name, "grid")  # refused here, in the preview too, not at write time
            self._note_unknown(name)
            # A placeholder until the grid is created at write time: this name's place in `unknown`.
            return -(self.unknown.index(name) + 1)
        if not can(self.actor, "resident.edit", found[0]):
            raise Invalid("grid", "error.grid.not_yours")
        return found[0]

    def _note_unknown(self, name: str) -> None:
        if name not in self.unknown:
            self.unknown.append(name)


@collector_paused()  # see core.base.gc_pause: a third of a large import's CPU otherwise
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
    lookup_limits: lookups.LookupLimits = lookups.DEFAULT_LIMITS,
) -> Report:
    require(actor, "resident.import")
    if create_grids and not can(actor, "resident.create_grids"):
        raise Invalid("create_grids", "error.forbidden")
    progress = progress or (lambda fraction, stage: None)
    now = now or clock.now()
    rows = read_rows(data, filename, SHEET_LIMITS)
    if not rows:
        raise ImportRefused("error.import.empty")
    columns = map_header(rows[0])
    report = Report(columns={key: cell_text(rows[0][index]) for key, index in columns.items()})
    grids = _Grids(session, actor, create_grids, default_grid_id)
    sqlite = session.get_bind().dialect.name == "sqlite"
    body = rows[1:]
    # A user who sees ID numbers masked is told which of the file's numbers are registered: each
    # is an exact lookup, counted (before any is answered) and audited. See core.residents.lookups.
    counted = lookups.counted(actor)
    new_lookups = lookups.charge_import(session, actor, _id_hashes(body, columns.get("id_number"), vault),
                                        limits=lookup_limits, now=now) if counted else 0
    answered_registered: list[str] = []  # masked numbers this check answered "already registered" for
    month_only = header_word(report.columns.get("birth_date", "")) == "出生年月"
    context = CheckContext(columns, vault, today, sqlite, driver_timestamp(now, sqlite), birth_month_only=month_only,
                           ids_cut_by_excel=ids_cut_by_excel(body, columns.get("id_number")))
    writer = None if dry_run else RosterWriter(session, actor, now)
    seen_ids: dict[str, int] = {}  # ID hash → line where the file first gave it
    seen_people: dict[tuple[str, Any], int] = {}  # (name, birth date) → line where the file first gave it
    seen_without_id: dict[tuple[str, Any], int] = {}  # the same, for rows without an ID
    good_count, registered_any, done = 0, False, 0
    # An office's first roster meets a registry with no IDs: then none can be registered already
    # (repeats within the file are caught through seen_ids), and 100k index lookups are saved.
    # Only on SQLite, where the import holds the write lock throughout; on PostgreSQL someone may
    # register an ID while the import runs, which the per-block lookups then report.
    registry_has_ids = not sqlite or session.scalar(select(exists().where(Resident.id_hash.is_not(None))))
    registry_has_people = not sqlite or session.scalar(select(exists().where(Resident.deleted_at.is_(None))))
    # An admin registers residents but does not see their sensitive groups, so may not set them.
    sets_sensitive = can(actor, "resident.sensitive")
    try:
        for first_line, checked in _checked_blocks(context, body):
            good: list[tuple[int, int, Prepared]] = []
            for line, before, grid_cell, after, prepared in checked:
                report.rows_read += 1
                problems = before
                try:
                    grid_id = grids.resolve(grid_cell)
                except Invalid as exc:
                    problems = [*before, (exc.field, exc.key, exc.params)]
                    grid_id = 0
                problems += after
                if prepared is not None and not sets_sensitive and any(residents.TAGS[tag] for tag in prepared[2]):
                    problems.append(("tags", "error.tag.sensitive_not_yours", {}))
                if prepared is not None and not problems:
                    id_hash = prepared[0]
                    person = _person(prepared)
                    if id_hash and id_hash in seen_ids:
                        problems = [("id_number", "error.import.duplicate_in_file", {"line": seen_ids[id_hash]})]
                    elif not id_hash and person in seen_people:  # without an ID, name and birth date tell
                        problems = [("person_name", "error.import.same_person_in_file", {"line": seen_people[person]})]
                    elif id_hash and person in seen_without_id:  # the same person, given an ID this time?
                        problems = [("person_name", "error.import.same_person_as_line_without_id",
                                     {"line": seen_without_id[person]})]
                    else:
                        if id_hash:
                            seen_ids[id_hash] = line
                        else:
                            seen_without_id.setdefault(person, line)
                        seen_people.setdefault(person, line)
                        good.append((line, grid_id, prepared))
                report.problems.extend(Problem(line, *problem) for problem in problems)
            hashes = [prepared[0] for _, _, prepared in good if prepared[0]]
            registered = _registered(session, hashes) if registry_has_ids else {}
            if registered:
                registered_any = True
                if counted:  # "already registered" of someone this user may not see: a search's answer
                    lookups.charge_answers_elsewhere(session, actor, {
                        id_hash for id_hash, grid in registered.items() if not can(actor, "resident.view", grid)},
                        limits=lookup_limits, now=now)
                    answered_registered += [prepared[3][7] for _, _, prepared in good if prepared[0] in registered]
                report.problems.extend(Problem(line, "id_number", "error.import.already_registered")
                                       for line, _, prepared in good if prepared[0] in registered)
                good = [row for row in good if row[2][0] not in registered]
            # Without an ID, someone registered with the same name and birth date is likely the same
            # person; with one, someone registered so but without an ID is.
            if registry_has_people and good:
                known = _registered_people(session, actor, {_person(p) for _, _, p in good if not p[0]})
                known_without_id = _registered_people(session, actor, {_person(p) for _, _, p in good if p[0]},
                                                      without_id=True)
                refused = {line: "error.import.same_person_registered" if not prepared[0]
                           else "error.import.same_person_registered_without_id"
                           for line, _, prepared in good
                           if _person(prepared) in (known_without_id if prepared[0] else known)}
                if refused:
                    registered_any = True
                    report.problems.extend(Problem(line, "person_name", key) for line, key in refused.items())
                    good = [row for row in good if row[0] not in refused]
            good_count += len(good)
            report.preview.extend(_preview(line, prepared, sqlite) for line, _, prepared in good[:20 - len(report.preview)])
            if writer is not None and report.problems and not allow_partial:
                writer.undo()  # all-or-nothing, and a row was refused: check the rest for the report only
                writer = None
            if writer is not None:
                if create_grids:
                    writer.create_grids(grids.unknown)
                writer.write([(grid_id, prepared) for _, grid_id, prepared in good])
            done = min(first_line - 2 + CHUNK, len(body))
            progress(0.98 * done / max(len(body), 1), "validate" if writer is None else "write")
        if registered_any:
            report.problems.sort(key=lambda p: p.line)
        report.unknown_grids = list(grids.unknown)
        if writer is not None and good_count:
            if create_grids:
                writer.create_grids(grids.unknown)  # also those named only by refused rows, as before
            writer.keep()
            report.imported, report.created_grids, report.written = writer.imported, writer.created_grids, True
        elif writer is not None:
            writer.undo()
    except BaseException:
        if writer is not None:
            writer.undo()
        raise
    if counted:
        lookups.record_import_answers(session, actor, filename=filename, looked_up=len(seen_ids), new=new_lookups,
                                      registered_masks=answered_registered, now=now)
    if report.written:
        audit.record(session, actor, "resident_import", object_type="import", object_id=filename[:64],
                     after={"rows_read": report.rows_read, "imported": report.imported,
                            "refused_lines": report.refused_lines, "created_grids": report.created_grids}, now=now)
    progress(1.0, "done")
    return report


def _id_hashes(body: list[list[Any]], id_column: int | None, vault: Vault) -> set[str]:
    """The lookup hashes of the valid ID numbers in the file's ID column."""
    if id_column is None:
        return set()
    numbers = {lookups.exact_id(cell_text(row[id_column])) for row in body if id_column < len(row)}
    return {vault.lookup_hash(number) for number in numbers if number}


def ids_cut_by_excel(body: list[list[Any]], id_column: int | None) -> bool:
    """Whether the file's ID column was cut to 15 digits by Excel and saved as text (a CSV).

    Excel keeps 15 significant digits, so every ID of such a column ends in 000, and 1 in 11 of
    them still passes the check digit. Real IDs end in 000 about 1 time in 1,100: a column where
    half or more of the 18-character numbers do is taken as cut, and its ...000 IDs are refused
    rather than stored wrong. Other cells ("无", blanks, short numbers) do not count.
    """
    if id_column is None:
        return False
    numbers = [compact for row in body if id_column < len(row)
               if _ID_SHAPED.fullmatch(compact := clean(cell_text(row[id_column])).replace(" ", ""))]
    return bool(numbers) and sum(number.endswith("000") for number in numbers) * 2 >= len(numbers)


def _checked_blocks(context: CheckContext, body: list[list[Any]]) -> Iterator[tuple[int, list[Checked]]]:
    """(first line, checked rows) for each block of CHUNK rows, in file order.

    Checked in this process: two worker processes were measured slower on the 2-core server
    (8.4-11.6 s against 6.1-7.0 s for 100k rows), as they took CPU from the writes.
    """
    for start in range(0, len(body), CHUNK):
        yield start + 2, check_rows(context, start + 2, body[start:start + CHUNK])


# One expanding parameter: SQLAlchemy would otherwise coerce each of 100k hashes as a literal.
_REGISTERED = select(Resident.id_hash, Resident.grid_id).where(
    Resident.id_hash.in_(bindparam("hashes", expanding=True)))


def _registered(session: Session, hashes: list[str]) -> dict[str, int]:
    """Those of these ID hashes already registered → the grid each is registered in."""
    registered: dict[str, int] = {}
    for start in range(0, len(hashes), 900):
        chunk = hashes[start:start + 900]
        registered.update((id_hash, grid) for id_hash, grid in session.execute(_REGISTERED, {"hashes": chunk}))
    return registered


def _person(prepared: Prepared) -> tuple[str, Any]:
    """(name, birth date) of a prepared row: who a row without an ID number is."""
    columns = prepared[3]
    return columns[0], columns[4]


def _registered_people(session: Session, actor: Actor, people: set[tuple[str, Any]], *,
                       without_id: bool = False) -> set[tuple[str, Any]]:
    """Those of these (name, birth date) pairs that a live resident has (`without_id`: one with no
    ID number), where the actor may look (as the add form's warning: a worker learns nothing of
    other grids)."""
    if not people:
        return set()
    as_given = {(name, born if isinstance(born, date) else date.fromisoformat(born)): (name, born)
                for name, born in people}  # a prepared row holds ISO text on SQLite
    wanted = sorted(as_given)
    found: set[tuple[str, Any]] = set()
    for start in range(0, len(wanted), 400):
        query = select(Resident.name, Resident.birth_date).where(
            tuple_(Resident.name, Resident.birth_date).in_(wanted[start:start + 400]), Resident.deleted_at.is_(None))
        if not sees_all_grids(actor):
            query = query.where(Resident.grid_id.in_(sorted(actor.grid_ids) or [-1]))
        if without_id:
            query = query.where(Resident.id_hash.is_(None))
        found.update(as_given[name, born] for name, born in session.execute(query))
    return found


def _preview(line: int, prepared: Prepared, sqlite: bool) -> dict[str, Any]:
    _, address, tags, columns = prepared
    name, _, _, sex, birth_date, _, _, id_masked = columns[:8]
    return {"line": line, "name": name, "sex": sex,
            "birth_date": date.fromisoformat(birth_date) if sqlite else birth_date,
            "id_number": id_masked, "address": address[0], "tags": list(tags)}
