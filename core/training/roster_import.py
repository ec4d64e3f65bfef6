"""Upload of a course's attendance roster (.csv / .xlsx): person, status, hours per line.

Same style as the residents import: cells read as text, every bad line reported with its
line number as a spreadsheet shows it (header = line 1), and nothing written unless every
line is good. Lines name a person by user name or by display name; people the file does not
mention keep their saved marks, or stay unmarked. Saving goes through `training.save_roster`, so the
version check (a roster saved by someone else since it was loaded) applies as on screen.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.base.errors import Invalid
from core.base.i18n import translate
from core.base.permissions import Actor, require
from core.base.spreadsheets import ImportRefused, Problem, Report, SheetLimits, columns_of, read_rows
from core.base.spreadsheets import cell_text as _text
from core.base.text import clean
from core.training import service as training
from db.models import Attendance, User

HEADERS: dict[str, tuple[str, ...]] = {
    "username": ("用户名", "账号", "帐号", "登录名", "username", "user", "login"),
    "person_name": ("姓名", "名字", "人员姓名", "参训人员", "name"),
    "status": ("出勤", "出勤情况", "状态", "考勤", "签到", "status", "attendance"),
    "hours": ("学时", "获得学时", "计入学时", "时数", "hours", "credithours"),
}
_HEADER_INDEX = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
STATUS_WORDS: dict[str, str] = {
    "出席": "present", "出勤": "present", "到": "present", "已到": "present", "到场": "present", "签到": "present",
    "迟到": "late", "请假": "excused", "缺席": "absent", "未到": "absent", "缺勤": "absent", "旷课": "absent",
    "present": "present", "late": "late", "excused": "excused", "absent": "absent",
}
_NO_HOURS = ("excused", "absent")
# A course roster: a few hundred names at most; a sheet beyond is refused before its cells are read.
SHEET_LIMITS = SheetLimits(rows=5_000, columns=30, text_chars=5_000_000)


@dataclass
class RosterReport:
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)  # the good lines: line, user_id, name, status, hours
    written: bool = False
    version: int | None = None  # the roster version after saving

    @property
    def refused_lines(self) -> int:
        return len({p.line for p in self.problems})

    def as_report(self) -> Report:
        """For `spreadsheets.report_csv`: the same line, field, reason file as the residents import."""
        return Report(rows_read=self.rows_read, problems=self.problems)


def _map_header(header: list[Any]) -> dict[str, int]:
    columns = columns_of(header, _HEADER_INDEX)
    if "username" not in columns and "person_name" not in columns:
        raise ImportRefused("error.roster_import.no_person_column")
    if "status" not in columns:
        raise ImportRefused("error.roster_import.no_status_column")
    return columns


class _Staff:
    """Active staff of the course's community (of every community, for a course open to all),
    found by user name (case-insensitive) or by a display name only one of them has."""

    def __init__(self, session: Session, community_id: int | None, open_to_all: bool) -> None:
        self.by_username: dict[str, tuple[int, str]] = {}
        self.by_name: dict[str, list[tuple[int, str]]] = {}
        for user_id, username, name in session.execute(select(User.id, User.username, User.display_name)
                                                       .where(training.course_staff(community_id, open_to_all))):
            self.by_username[username] = (user_id, name)
            self.by_name.setdefault(name, []).append((user_id, name))

    def find(self, username: str, name: str) -> tuple[int, str]:
        if username:
            found = self.by_username.get(username.lower())
            if found is None:
                raise Invalid("username", "error.roster_import.unknown_user", username=username)
            return found
        matches = self.by_name.get(name, [])
        if not matches:
            raise Invalid("person_name", "error.roster_import.unknown_person", name=name)
        if len(matches) > 1:
            raise Invalid("person_name", "error.roster_import.ambiguous_name", name=name)
        return matches[0]


def template_csv(session: Session, actor: Actor, course_id: int) -> bytes:
    """The course's roster as an uploadable file (UTF-8 with BOM, so Excel and WPS read it)."""
    roster, _ = training.load_roster(session, actor, course_id)
    usernames = dict(session.execute(select(User.id, User.username)
                                     .where(User.id.in_([r["user_id"] for r in roster] or [-1]))).all())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["用户名", "姓名", "出勤", "学时"])
    for row in roster:  # a person not yet marked has both cells empty, and stays unmarked if left so
        status = "" if row["status"] is None else translate("zh-CN", f"attendance.{row['status']}")  # STATUS_WORDS
        hours = "" if row["hours"] is None else f"{row['hours']:g}"
        writer.writerow([usernames.get(row["user_id"], ""), row["name"], status, hours])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def import_roster(session: Session, actor: Actor, course_id: int, loaded_version: int, data: bytes, filename: str,
                  *, dry_run: bool = False) -> RosterReport:
    """Check every line; unless `dry_run` or a line is refused, save the merged roster."""
    require(actor, "training.manage")
    rows = read_rows(data, filename, SHEET_LIMITS)
    if not rows:
        raise ImportRefused("error.import.empty")
    columns = _map_header(rows[0])
    course = training.course_by_id(session, actor, course_id)
    staff = _Staff(session, course.community_id, course.open_to_all)
    report = RosterReport()
    seen: dict[int, int] = {}

    def text(row: list[Any], key: str) -> str:
        index = columns.get(key)
        return clean(_text(row[index])) if index is not None and index < len(row) else ""

    for line, row in enumerate(rows[1:], start=2):
        if not any(clean(_text(cell)) for cell in row):
            continue
        if not text(row, "status") and not text(row, "hours"):
            continue  # a line of the template nobody marked: the person stays unmarked
        report.rows_read += 1
        problems: list[Invalid] = []
        user: tuple[int, str] | None = None
        username, name = text(row, "username"), text(row, "person_name")
        if not username and not name:
            problems.append(Invalid("person_name", "error.required"))
        else:
            try:
                user = staff.find(username, name)
            except Invalid as exc:
                problems.append(exc)
        if user is not None and user[0] in seen:
            problems.append(Invalid("person_name", "error.roster_import.duplicate_in_file", line=seen[user[0]]))
        word = text(row, "status")
        status = STATUS_WORDS.get(word.lower())
        if status is None:
            problems.append(Invalid("status", "error.roster_import.status" if word else "error.required",
                                    **({"status": word} if word else {})))
        hours_text = text(row, "hours")
        hours = 0.0
        if status in _NO_HOURS:
            hours = 0.0
        elif not hours_text:
            hours = course.credit_hours
        else:
            try:
                hours = training._hours(hours_text, "hours", course.credit_hours)
            except Invalid as exc:
                problems.append(exc)
            else:
                if status is not None and hours == 0:
                    problems.append(Invalid("hours", "error.hours.zero_for_present"))
        if problems:
            report.problems.extend(Problem(line, p.field, p.key, p.params) for p in problems)
            continue
        assert user is not None and status is not None
        seen[user[0]] = line
        report.entries.append({"line": line, "user_id": user[0], "name": user[1], "status": status, "hours": hours})

    if dry_run or report.problems or not report.entries:
        return report
    # Marks already saved stay unless the file gives the person; people with no mark yet stay
    # unmarked (a sign-in sheet that leaves someone out must not credit them).
    merged = {a.user_id: training.RosterEntry(a.user_id, a.status, a.hours)
              for a in session.scalars(select(Attendance).where(Attendance.course_id == course_id))}
    for entry in report.entries:
        merged[entry["user_id"]] = training.RosterEntry(entry["user_id"], entry["status"], entry["hours"])
    report.version = training.save_roster(session, actor, course_id, loaded_version, list(merged.values()))
    report.written = True
    return report
