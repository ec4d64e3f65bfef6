"""Training (培训): courses, the attendance roster, hours against the continuing-education
quota, certificates, and check-in by QR code.

Quotas follow 社会工作者继续教育办法: 助理社会工作师 72 hours and 社会工作师 / 高级社会工作师
90 hours in each 3-year registration period, counted from the person's own registration
date; staff without the qualification have the office's annual target (calendar year).
All four are rows of quota_settings that an admin may change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, bindparam, column, func, select, text, update
from sqlalchemy.orm import Session

from core.base import audit, clock
from core.base.errors import Invalid, InvalidMany, NotFound, StaleEdit, collect
from core.base.permissions import Actor, require, sees_all_grids
from core.base.text import clean
from core.base.validation import whole_number
from core.office import staff
from core.training import categories
from db.bulk import driver_timestamp, insert_rows
from db.models import (
    Attendance,
    Certificate,
    Community,
    CommunityQuota,
    Course,
    CourseCategory,
    ExternalHours,
    QuotaSetting,
    StaffQualification,
    User,
    course_participants,
)

STATUSES = ("present", "late", "excused", "absent")
LEVELS = ("assistant", "social_worker", "senior", "none")
CHECKIN_EARLY = timedelta(minutes=30)  # a check-in link opens this long before the course starts
LATE_AFTER = timedelta(minutes=15)  # checked in later than this after the start: late, credited what is left
CREDIT_STEP = 0.5  # hours are credited in half hours, rounded down


# --- courses -------------------------------------------------------------------------------------

@dataclass
class CourseInput:
    title: str = ""
    topic: str = ""
    provider: str = ""
    place: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    credit_hours: float | str | None = None
    mandatory: bool = False
    participant_ids: list[int] = field(default_factory=list)
    category_id: int | None = None  # core.training.categories: what its hours count toward
    open_to_all: bool = False  # staff of every community of the 街道 may be expected, walk in, check in


def _hours(value: float | str | None, field_name: str, maximum: float) -> float:
    try:
        hours = round(float(str(value).strip()), 2)
    except (TypeError, ValueError):
        raise Invalid(field_name, "error.hours.format") from None
    if not math.isfinite(hours):  # "nan", "inf", or a cleared cell of the roster grid
        raise Invalid(field_name, "error.hours.format")
    if hours < 0 or hours > maximum:
        raise Invalid(field_name, "error.hours.range", max=maximum)
    return hours


def positive_hours(value: float | str | None, field_name: str, maximum: float) -> float:
    """Hours that must be more than 0 (a course's credit, hours claimed), at most `maximum`."""
    hours = _hours(value, field_name, maximum)
    if hours == 0:
        raise Invalid(field_name, "error.hours.range", max=maximum)
    return hours


def course_staff(community_id: int | None, open_to_all: bool) -> Any:
    """Who may be on a course's roster, in SQL: active staff of its community, or of any community
    for a course open to all of them."""
    community = User.community_id.is_not(None) if open_to_all else User.community_id == community_id
    return User.active.is_(True) & community


def _unknown_staff(session: Session, user_ids: list[int], actor: Actor, *, open_to_all: bool = False) -> set[int]:
    """Of these ids, those that may not be on a course of the actor's community (course_staff)."""
    return set(user_ids) - set(session.scalars(select(User.id).where(
        User.id.in_(user_ids or [-1]), course_staff(actor.community_id, open_to_all))))


def session_hours(starts_at: datetime, ends_at: datetime) -> float:
    """The most hours a course can credit: its length (so never more than 24 for any day)."""
    return round((ends_at - starts_at).total_seconds() / 3600, 2)


@dataclass(frozen=True)
class _CheckedCourse:
    title: str
    topic: str
    hours: float
    category_id: int
    participant_ids: list[int]


def _checked_course(session: Session, actor: Actor, data: CourseInput) -> _CheckedCourse:
    """A new or edited course's fields, each refusal naming its field."""
    errors: list[Invalid] = []
    title, topic = clean(data.title), clean(data.topic)
    if not title:
        errors.append(Invalid("title", "error.required"))
    if not topic:
        errors.append(Invalid("topic", "error.required"))
    longest = 24.0
    if data.starts_at is None or data.ends_at is None or data.ends_at <= data.starts_at:
        errors.append(Invalid("ends_at", "error.course.times"))
    else:
        longest = session_hours(data.starts_at, data.ends_at)
    try:
        hours = positive_hours(data.credit_hours, "credit_hours", longest)
    except Invalid as exc:
        errors.append(exc)
        hours = 0
    category_id = 0
    try:
        category_id = categories.active_category(session, data.category_id)
    except Invalid as exc:
        errors.append(exc)
    people = sorted(set(data.participant_ids))
    if _unknown_staff(session, people, actor, open_to_all=data.open_to_all):
        errors.append(Invalid("participants", "error.course.unknown_participant"))
    if errors:
        raise InvalidMany(errors)
    return _CheckedCourse(title[:100], topic[:50], hours, category_id, people)


def create_course(session: Session, actor: Actor, data: CourseInput, *, now: datetime | None = None) -> Course:
    require(actor, "training.manage")
    checked = _checked_course(session, actor, data)
    now = now or clock.now()
    course = Course(title=checked.title, topic=checked.topic, provider=clean(data.provider)[:100], trainer_id=actor.id,
                    place=clean(data.place)[:100], starts_at=data.starts_at, ends_at=data.ends_at,
                    credit_hours=checked.hours, mandatory=bool(data.mandatory), category_id=checked.category_id,
                    created_at=now, roster_version=0, community_id=actor.community_id,
                    open_to_all=bool(data.open_to_all))
    session.add(course)
    session.flush()
    if checked.participant_ids:
        session.execute(course_participants.insert(), [{"course_id": course.id, "user_id": uid}
                                                       for uid in checked.participant_ids])
    audit.record(session, actor, "course_create", object_type="course", object_id=course.id,
                 after={"title": checked.title, "hours": checked.hours, "participants": len(checked.participant_ids),
                        "open_to_all": bool(data.open_to_all)}, now=now)
    return course


def course_form(session: Session, actor: Actor, course_id: int) -> tuple[CourseInput, int]:
    """A course as its edit form opens on it, and the version it was read at."""
    require(actor, "training.manage")
    course = _course(session, actor, course_id)
    expected = sorted(session.scalars(select(course_participants.c.user_id)
                                      .where(course_participants.c.course_id == course_id)))
    return CourseInput(title=course.title, topic=course.topic, provider=course.provider, place=course.place,
                       starts_at=course.starts_at, ends_at=course.ends_at, credit_hours=course.credit_hours,
                       mandatory=course.mandatory, participant_ids=expected,
                       category_id=course.category_id, open_to_all=course.open_to_all), course.version


def _course_to_change(session: Session, actor: Actor, course_id: int, version: int) -> Course:
    """The course, if it may still be changed from a form read at `version`."""
    require(actor, "training.manage")
    course = _course(session, actor, course_id)
    if course.version != version:
        raise StaleEdit()
    if course.cancelled_at is not None:
        raise Invalid("course", "error.course.cancelled")
    return course


def update_course(session: Session, actor: Actor, course_id: int, data: CourseInput, version: int, *,
                  now: datetime | None = None) -> Course:
    """Change a course as planned or given (a wrong time, hours, category, who is expected).
    Refused if someone changed it since `version`, if it is cancelled, or if its new credit hours
    are below hours already recorded on its roster (correct the roster first). People marked on
    the roster stay on it whatever the expected list says. A roster grid open meanwhile stays
    valid: its save checks hours against the course as it then is."""
    course = _course_to_change(session, actor, course_id, version)
    checked = _checked_course(session, actor, data)
    most = session.scalar(select(func.max(Attendance.hours)).where(Attendance.course_id == course_id)) or 0
    if most > checked.hours:
        raise InvalidMany([Invalid("credit_hours", "error.course.hours_below_recorded", hours=f"{most:g}")])
    before = {"title": course.title, "starts_at": course.starts_at, "hours": course.credit_hours,
              "category_id": course.category_id}
    course.title, course.topic, course.provider, course.place = (
        checked.title, checked.topic, clean(data.provider)[:100], clean(data.place)[:100])
    course.starts_at, course.ends_at, course.credit_hours = data.starts_at, data.ends_at, checked.hours
    course.mandatory, course.category_id, course.open_to_all = (bool(data.mandatory), checked.category_id,
                                                                bool(data.open_to_all))
    session.flush()  # the start moves; a trigger moves attendance.course_starts_at with it
    session.execute(course_participants.delete().where(course_participants.c.course_id == course_id))
    if checked.participant_ids:
        session.execute(course_participants.insert(), [{"course_id": course_id, "user_id": uid}
                                                       for uid in checked.participant_ids])
    audit.record(session, actor, "course_update", object_type="course", object_id=course_id, before=before,
                 after={"title": course.title, "starts_at": course.starts_at, "hours": course.credit_hours,
                        "category_id": course.category_id}, now=now)
    return course


def cancel_course(session: Session, actor: Actor, course_id: int, reason: str, version: int, *,
                  now: datetime | None = None) -> Course:
    """Call a course off, saying why. Refused once anyone is marked present or late on it: it
    took place (take those marks back first if it did not). Cancelled, it takes no marks or
    check-ins, and its mandatory flag no longer makes anyone miss it."""
    from core.base.validation import required_text

    course = _course_to_change(session, actor, course_id, version)
    why = required_text(reason, "cancel_reason", 200)
    attended = session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.course_id == course_id, Attendance.status.in_(("present", "late"))))
    if attended:
        raise Invalid("course", "error.course.cancel_attended", count=attended)
    now = now or clock.now()
    session.execute(Attendance.__table__.delete().where(Attendance.course_id == course_id))  # excused / absent
    course.cancelled_at, course.cancel_reason = now, why
    course.roster_version += 1
    audit.record(session, actor, "course_cancel", object_type="course", object_id=course_id,
                 after={"title": course.title, "reason": why}, now=now)
    return course


def add_walk_ins(session: Session, actor: Actor, course_id: int, user_ids: list[int], loaded_version: int, *,
                 now: datetime | None = None) -> int:
    """People who came without being expected: put on the roster, marked present with the
    course's hours (the trainer corrects the exceptions). Refused if the roster was saved since
    it was loaded; returns the new roster version."""
    require(actor, "training.manage")
    course = _course(session, actor, course_id)
    if course.cancelled_at is not None:
        raise Invalid("course", "error.course.cancelled")
    people = sorted(set(user_ids))
    if not people:
        raise Invalid("walk_ins", "error.required")
    if _unknown_staff(session, people, actor, open_to_all=course.open_to_all):
        raise Invalid("walk_ins", "error.course.unknown_participant")
    expected = set(session.scalars(select(course_participants.c.user_id)
                                   .where(course_participants.c.course_id == course_id)))
    marked = set(session.scalars(select(Attendance.user_id).where(Attendance.course_id == course_id)))
    newcomers = [uid for uid in people if uid not in expected and uid not in marked]
    if not newcomers:
        raise Invalid("walk_ins", "error.course.already_on_roster")
    now = now or clock.now()
    if session.connection().execute(_BUMP_ROSTER, {"course_id": course_id, "loaded_version": loaded_version}
                                    ).rowcount != 1:  # the roster save's compare-and-set
        raise StaleEdit()
    session.execute(course_participants.insert(), [{"course_id": course_id, "user_id": uid} for uid in newcomers])
    session.add_all(Attendance(course_id=course_id, user_id=uid, status="present", hours=course.credit_hours,
                               recorded_by=actor.id, recorded_at=now, course_starts_at=course.starts_at)
                    for uid in newcomers)
    audit.record(session, actor, "course_walk_in", object_type="course", object_id=course_id,
                 after={"participants": len(newcomers)}, now=now)
    return loaded_version + 1


def _course(session: Session, actor: Actor, course_id: int) -> Course:
    """A course the actor's community organises; another community's is not found."""
    course = session.get(Course, course_id)
    if course is None or course.community_id != actor.community_id:
        raise NotFound(object="course", id=course_id)
    return course


# --- the roster ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterEntry:
    user_id: int
    status: str | None  # None: not marked (a mark saved earlier is taken back)
    hours: float | str | None


def load_roster(session: Session, actor: Actor, course_id: int) -> tuple[list[dict[str, Any]], int]:
    """Everyone expected or already recorded, with status and hours, and the roster version the
    grid was loaded at. Nobody is marked until someone marks them: a person not yet recorded has
    status None and hours None (not 出席 with the full hours, which one save would have recorded
    for everyone)."""
    require(actor, "training.manage")
    course = _course(session, actor, course_id)
    recorded = {a.user_id: a for a in session.scalars(select(Attendance).where(Attendance.course_id == course_id))}
    expected = set(session.scalars(select(course_participants.c.user_id)
                                   .where(course_participants.c.course_id == course_id)))
    names = dict(session.execute(select(User.id, User.display_name)
                                 .where(User.id.in_(sorted(expected | set(recorded)) or [-1]))).all())
    rows = []
    for user_id in sorted(expected | set(recorded), key=lambda uid: names.get(uid, "")):
        entry = recorded.get(user_id)
        rows.append({"user_id": user_id, "name": names.get(user_id, ""),
                     "status": entry.status if entry else None,
                     "hours": entry.hours if entry else None})
    return rows, course.roster_version


# The roster save's statements, built once: a save is only a handful of statements, and building
# them anew on every save was a visible share of its time.
_ATTENDANCE, _COURSES = Attendance.__table__, Course.__table__
_ROSTER_STATE = (select(_COURSES.c.credit_hours, _COURSES.c.starts_at, _ATTENDANCE.c.user_id, _ATTENDANCE.c.id,
                        _COURSES.c.cancelled_at, _COURSES.c.community_id, _COURSES.c.open_to_all)
                 .outerjoin(_ATTENDANCE, _ATTENDANCE.c.course_id == _COURSES.c.id)
                 .where(_COURSES.c.id == bindparam("course_id")))
_BUMP_ROSTER = (_COURSES.update().where(_COURSES.c.id == bindparam("course_id"),
                                        _COURSES.c.roster_version == bindparam("loaded_version"))
                .values(roster_version=bindparam("loaded_version", type_=Integer) + 1))
_ACTIVE_STAFF = (select(User.__table__.c.id, User.__table__.c.community_id)
                 .where(User.__table__.c.id.in_(bindparam("ids", expanding=True)), User.__table__.c.active.is_(True)))
_MARK_COLUMNS = ("course_id", "user_id", "status", "hours", "recorded_by", "recorded_at", "version",
                 "course_starts_at")
_UPDATE_MARKS = (_ATTENDANCE.update().where(_ATTENDANCE.c.id == bindparam("row_id"))
                 .values(status=bindparam("new_status"), hours=bindparam("new_hours"),
                         recorded_by=bindparam("new_recorded_by"), recorded_at=bindparam("new_recorded_at"),
                         version=_ATTENDANCE.c.version + 1))


def save_roster(session: Session, actor: Actor, course_id: int, loaded_version: int, entries: list[RosterEntry],
                *, now: datetime | None = None) -> int:
    """Save the whole roster in one transaction; refused if anyone saved it since it was loaded.
    A line left unmarked (status None) records nothing, and takes back a mark saved before."""
    require(actor, "training.manage")
    now = now or clock.now()
    # Written through the Core on the session's connection, many rows per statement: the ORM's
    # unit of work sent one INSERT per person and spent most of a save building objects nobody
    # reads. One query reads the course's hours and who is already recorded; it may run before
    # the compare-and-set below because every attendance write (roster save, check-in) bumps the
    # roster version in its own transaction, so a write landing in between makes this save stale.
    session.flush()  # statements on the connection below do not autoflush what the caller added
    connection = session.connection()
    known = connection.execute(_ROSTER_STATE, {"course_id": course_id}).all()
    if not known or known[0][5] != actor.community_id:  # another community's course: not found
        raise NotFound(object="course", id=course_id)
    credit_hours, starts_at, open_to_all = known[0][0], known[0][1], known[0][6]
    if known[0][4] is not None:
        raise Invalid("course", "error.course.cancelled")
    existing = {row[2]: row[3] for row in known if row[2] is not None}
    errors: list[Invalid] = []
    clean_entries: dict[int, tuple[str, float]] = {}
    unmarked = [existing[entry.user_id] for entry in entries if entry.status is None and entry.user_id in existing]
    # course_staff(), applied to the rows the statement built once reads.
    active = {user_id for user_id, community_id in connection.execute(
        _ACTIVE_STAFF, {"ids": [e.user_id for e in entries] or [-1]})
        if community_id is not None and (open_to_all or community_id == actor.community_id)}
    for line, entry in enumerate(entries, start=1):  # lines as the trainer sees them, unmarked ones included
        if entry.status is None:
            continue
        if entry.user_id not in active:
            errors.append(Invalid(f"row_{line}", "error.course.unknown_participant"))
            continue
        if entry.status not in STATUSES:
            errors.append(Invalid(f"row_{line}", "error.attendance.status"))
            continue
        if entry.status in ("excused", "absent"):
            clean_entries[entry.user_id] = (entry.status, 0.0)
            continue
        if entry.hours is None or (isinstance(entry.hours, str) and not entry.hours.strip()):
            clean_entries[entry.user_id] = (entry.status, float(credit_hours))  # marked present: the course's hours
            continue
        try:
            hours = _hours(entry.hours, f"row_{line}", credit_hours)
        except Invalid as exc:
            errors.append(exc)
            continue
        if hours == 0:  # only present and late reach here: excused and absent were taken above
            errors.append(Invalid(f"row_{line}", "error.hours.zero_for_present"))
            continue
        clean_entries[entry.user_id] = (entry.status, hours)
    if errors:
        raise InvalidMany(errors)
    # Compare-and-set on the roster version: the second of two saves from one version changes nothing.
    if connection.execute(_BUMP_ROSTER, {"course_id": course_id, "loaded_version": loaded_version}).rowcount != 1:
        raise StaleEdit()
    sqlite = connection.dialect.name == "sqlite"
    recorded_at, starts = driver_timestamp(now, sqlite), driver_timestamp(starts_at, sqlite)
    fresh = [(course_id, user_id, status, hours, actor.id, recorded_at, 1, starts)
             for user_id, (status, hours) in clean_entries.items() if user_id not in existing]
    changed = [{"row_id": existing[user_id], "new_status": status, "new_hours": hours, "new_recorded_by": actor.id,
                "new_recorded_at": now}
               for user_id, (status, hours) in clean_entries.items() if user_id in existing]
    insert_rows(connection, "attendance", _MARK_COLUMNS, fresh)
    if changed:
        connection.execute(_UPDATE_MARKS, changed)
    if unmarked:
        connection.execute(_ATTENDANCE.delete().where(_ATTENDANCE.c.id.in_(unmarked)))
    audit.record_on(connection, actor, "roster_save", object_type="course", object_id=course_id,
                    after={"entries": len(clean_entries), "unmarked": len(unmarked)}, now=now)
    return loaded_version + 1


# --- periods, totals, compliance -----------------------------------------------------------------

def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def period_on(level: str, registered_on: date | None, period_years: int, day: date) -> tuple[date, date]:
    """The (first, last) day of the period containing `day`; last day inclusive.

    Qualified staff: periods of `period_years` from their registration date. Others: the
    calendar year.
    """
    if level == "none" or registered_on is None:
        return date(day.year, 1, 1), date(day.year, 12, 31)
    start = registered_on
    while _add_years(start, period_years) <= day:
        start = _add_years(start, period_years)
    while start > day:
        start = _add_years(start, -period_years)
    return start, _add_years(start, period_years) - timedelta(days=1)


def _day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[first, last] as instants: from first's midnight to the midnight after last (exclusive),
    so a course on the period's last day counts in that period."""
    return datetime.combine(first, time.min), datetime.combine(last + timedelta(days=1), time.min)


# Everyone's period as one JSON parameter, read as a table: the statement stays the same for
# any number of people (a VALUES list of 500 rows took ~35 ms just to compile, every time).
_PERIODS_SQL = {
    "sqlite": "SELECT json_extract(value, '$.u') AS user_id, json_extract(value, '$.starts') AS starts, "
              "json_extract(value, '$.ends') AS ends FROM json_each(:periods)",
    "postgresql": "SELECT u AS user_id, starts, ends FROM jsonb_to_recordset(CAST(:periods AS jsonb)) "
                  "AS p(u integer, starts timestamp, ends timestamp)",
}
# The text form SQLAlchemy stores DateTime in on SQLite (so that text comparison is time order),
# which PostgreSQL reads as a timestamp too.
_STORED_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def local_period_on(period_years: int, first_year: int | None, day: date) -> tuple[date, date]:
    """The office's (local) quota period containing `day`: `period_years` calendar years, counted
    from 1 January of `first_year` (a 3-year quota from 2026: 2026–2028, 2029–2031, …)."""
    years = max(int(period_years or 1), 1)
    base = first_year if first_year is not None else day.year
    start_year = base + ((day.year - base) // years) * years
    return date(start_year, 1, 1), date(start_year + years - 1, 12, 31)


def _hours_in_periods(session: Session, periods: dict[int, tuple[date, date]], quota: str | None = None
                      ) -> dict[int, float]:
    """Hours credited per person for courses that started within that person's own [first, last];
    with `quota` ("social_work" or "local"), only courses of a category that counts toward it.

    One query whatever the number of people: each person's attendance is a range scan of
    ix_attendance_user_course_starts between their own dates (the index carries course_id, so the
    category check needs no row of attendance itself).
    """
    rows = []  # asked even for nobody: the number of queries stays the same whoever is on staff
    for user_id, (first, last) in periods.items():
        starts, ends = _day_range(first, last)
        rows.append({"u": user_id, "starts": starts.strftime(_STORED_DATETIME), "ends": ends.strftime(_STORED_DATETIME)})
    payload = json.dumps(rows)
    windows = (text(_PERIODS_SQL[session.get_bind().dialect.name]).bindparams(periods=payload)
               .columns(column("user_id", Integer), column("starts", DateTime), column("ends", DateTime))
               .subquery("periods"))
    conditions = [Attendance.user_id == windows.c.user_id, Attendance.course_starts_at >= windows.c.starts,
                  Attendance.course_starts_at < windows.c.ends]
    # Hours earned elsewhere (core.training.external) count once approved, on the day completed.
    elsewhere = [ExternalHours.user_id == windows.c.user_id, ExternalHours.status == "approved",
                 ExternalHours.completed_on >= func.date(windows.c.starts),
                 ExternalHours.completed_on < func.date(windows.c.ends)]
    if quota is not None:
        counting = categories.counting_ids(session, quota) or [-1]
        conditions.append(Attendance.course_id.in_(select(Course.id).where(Course.category_id.in_(counting))))
        elsewhere.append(ExternalHours.category_id.in_(counting))
    # A correlated sum per person rather than a join and GROUP BY: SQLite then adds up each
    # person's index range in place, ~5x faster at 50,000 rows (no sort of the joined rows).
    in_period = select(func.sum(Attendance.hours)).where(*conditions).scalar_subquery()
    approved = select(func.sum(ExternalHours.hours)).where(*elsewhere).scalar_subquery()
    totals = dict(session.execute(select(windows.c.user_id,
                                         func.coalesce(in_period, 0) + func.coalesce(approved, 0))).all())
    return {user_id: round(float(totals.get(user_id) or 0), 2) for user_id in periods}


def hours_between(session: Session, user_ids: list[int], first: date, last: date) -> dict[int, float]:
    """Hours credited to each person from first to last, any category: courses that started in
    it and approved hours earned elsewhere completed in it (core.assessment)."""
    return _hours_in_periods(session, {user_id: (first, last) for user_id in user_ids})


def pace_on(session: Session, user_ids: list[int], day: date) -> dict[int, str]:
    """Each person's standing on the day: the worst of their quotas (behind, on_track, met);
    nobody without a quota is in it."""
    worst: dict[int, str] = {}
    for row in _standings(session, User.id.in_(user_ids or [-1]), day):
        kept = worst.get(row["user_id"])
        if kept is None or _PACE_ORDER[row["status"]] < _PACE_ORDER[kept]:
            worst[row["user_id"]] = row["status"]
    return worst


@dataclass(frozen=True)
class Quota:
    level: str
    period_years: int
    hours: float
    first_year: int | None
    own: bool = False  # the community's own local quota, not the installation's


def quotas(session: Session, community_id: int | None = None) -> dict[str, Quota]:
    """The quota of each level: the installation's, with the community's own local quota ("none")
    in its place where the community has set one."""
    found = {q.level: Quota(q.level, q.period_years, q.hours, q.first_year)
             for q in session.scalars(select(QuotaSetting))}
    own = session.get(CommunityQuota, community_id) if community_id is not None else None
    if own is not None:
        found["none"] = Quota("none", own.period_years, own.hours, own.first_year, own=True)
    return found


def _local_quotas(session: Session, default: Quota) -> dict[int | None, Quota]:
    """Community → its local quota, for every community (the installation's where none is set)."""
    found: dict[int | None, Quota] = {None: default}
    for own in session.scalars(select(CommunityQuota)):
        found[own.community_id] = Quota("none", own.period_years, own.hours, own.first_year, own=True)
    return found


COMMUNITY_ROLES = ("worker", "supervisor")  # the office's own (local) quota is for its community staff
PACE = ("met", "on_track", "behind")  # and, for a period that has ended: met | short


def pace_of(hours: float, quota: float, first: date, last: date, today: date) -> tuple[str, float]:
    """(status, hours expected by today): met once the quota is reached; else on track while the
    hours keep up with the share of the period elapsed (today counted), behind when they do not."""
    length = (last - first).days + 1
    elapsed = min(max((today - first).days + 1, 0), length)
    expected = round(quota * elapsed / length, 2)
    if hours >= quota:
        return "met", expected
    return ("on_track" if hours + 1e-9 >= expected else "behind"), expected


def compliance(session: Session, actor: Actor, *, today: date | None = None) -> list[dict[str, Any]]:
    """Every active staff member of the actor's community who has a quota, one row per quota (a 社工 has both), in the
    current period as of `today`: hours, quota, expected by now, status (met / on_track /
    behind), the previous period's outcome (met / short, None when they were not yet there),
    and mandatory courses missed. Behind first, then most short.

    A handful of queries for any number of staff (settings, people, one sum per quota and period
    kind, the missed courses)."""
    require(actor, "training.view_all")
    staff_seen = User.active.is_(True)
    if not sees_all_grids(actor):  # a community's supervisor or admin: that community's staff
        staff_seen = staff_seen & (User.community_id == actor.community_id)
    return sorted(_standings(session, staff_seen, today or clock.now().date()), key=_behind_first)


_PACE_ORDER = {"behind": 0, "on_track": 1, "met": 2}


def _behind_first(row: dict[str, Any]) -> tuple:
    """Behind first, then most short; by name within."""
    return _PACE_ORDER[row["status"]], -row["shortfall"], row["name"], row["quota_kind"]


def standings_by_community(session: Session, actor: Actor, *, today: date | None = None
                           ) -> dict[int, list[dict[str, Any]]]:
    """For the 街道: compliance()'s rows of every community's active staff, by community, in the
    same handful of queries however many communities there are."""
    require(actor, "street.view")
    rows = sorted(_standings(session, User.active.is_(True) & User.community_id.is_not(None),
                             today or clock.now().date()), key=_behind_first)
    community_of = dict(session.execute(select(User.id, User.community_id).where(
        User.id.in_(sorted({row["user_id"] for row in rows}) or [-1]))).tuples().all())
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(community_of[row["user_id"]], []).append(row)
    return grouped


def _standings(session: Session, who: Any, today: date) -> list[dict[str, Any]]:
    """Standings of the users matching `who` that have a quota: the 社工 quota for the qualified
    (periods from their registration date), the local quota for community staff (worker,
    supervisor; the qualified among them too). Admins and trainers without a qualification have
    none and are not listed."""
    settings = quotas(session)
    local_of = _local_quotas(session, settings["none"])
    people = session.execute(
        select(User.id, User.display_name, User.role, User.created_at, StaffQualification.level,
               StaffQualification.registered_on, User.community_id)
        .outerjoin(StaffQualification, StaffQualification.user_id == User.id).where(who)
        .order_by(User.display_name, User.id)).all()
    rows: list[dict[str, Any]] = []
    for user_id, name, role, created_at, level, registered_on, community_id in people:
        level = level or "none"
        joined = created_at.date() if created_at else None
        if level != "none" and registered_on is not None:
            years = settings[level].period_years
            first, last = period_on(level, registered_on, years, today)
            previous = period_on(level, registered_on, years, first - timedelta(days=1))
            rows.append({"quota_kind": "social_work", "quota": settings[level].hours, "period_start": first,
                         "period_end": last, "previous": previous if registered_on <= previous[0] else None,
                         "user_id": user_id, "name": name, "level": level})
        if role in COMMUNITY_ROLES:
            local = local_of.get(community_id, settings["none"])
            first, last = local_period_on(local.period_years, local.first_year, today)
            previous = local_period_on(local.period_years, local.first_year, first - timedelta(days=1))
            rows.append({"quota_kind": "local", "quota": local.hours, "period_start": first, "period_end": last,
                         "previous": previous if joined is not None and joined <= previous[0] else None,
                         "user_id": user_id, "name": name, "level": level})
    for kind in ("social_work", "local"):
        mine = [row for row in rows if row["quota_kind"] == kind]
        # as of today: a course later in the period is not credited yet (a report for a past day stays as it was)
        now = _hours_in_periods(session, {r["user_id"]: (r["period_start"], min(r["period_end"], today))
                                          for r in mine}, kind)
        before = _hours_in_periods(session, {r["user_id"]: r["previous"] for r in mine if r["previous"]}, kind)
        for row in mine:
            row["hours"] = now[row["user_id"]]
            row["shortfall"] = round(max(row["quota"] - row["hours"], 0.0), 2)
            row["status"], row["expected"] = pace_of(row["hours"], row["quota"], row["period_start"],
                                                     row["period_end"], today)
            previous = row.pop("previous")
            row["previous_period_end"] = previous[1] if previous else None
            row["previous_hours"] = before.get(row["user_id"]) if previous else None
            row["previous_status"] = (None if previous is None
                                      else "met" if row["previous_hours"] >= row["quota"] else "short")
    missed = missed_mandatory(session, [row["user_id"] for row in rows], today)
    for row in rows:
        row["missed"] = missed.get(row["user_id"], [])
    return rows


def missed_mandatory(session: Session, user_ids: list[int], today: date) -> dict[int, list[dict[str, Any]]]:
    """Mandatory courses that ended before `today`, to which the person was expected, and that
    they did not attend (no mark, or absent; excused is not missed), oldest first."""
    if not user_ids:
        return {}
    attended = (select(Attendance.id).where(Attendance.course_id == Course.id,
                                            Attendance.user_id == course_participants.c.user_id,
                                            Attendance.status.in_(("present", "late", "excused"))).exists())
    rows = session.execute(
        select(course_participants.c.user_id, Course.title, Course.starts_at)
        .join(Course, Course.id == course_participants.c.course_id)
        .where(course_participants.c.user_id.in_(sorted(set(user_ids))), Course.mandatory.is_(True),
               Course.cancelled_at.is_(None), Course.ends_at < datetime.combine(today, time.min), ~attended)
        .order_by(Course.starts_at))
    missed: dict[int, list[dict[str, Any]]] = {}
    for user_id, title, starts_at in rows:
        missed.setdefault(user_id, []).append({"title": title, "starts_at": starts_at})
    return missed


def my_record(session: Session, actor: Actor, *, today: date | None = None) -> dict[str, Any]:
    require(actor, "training.view_own")
    today = today or clock.now().date()
    standings = _standings(session, User.id == actor.id, today)
    this_year = _hours_in_periods(session, {actor.id: (date(today.year, 1, 1), date(today.year, 12, 31))})[actor.id]
    courses = [dict(row._mapping) for row in session.execute(
        select(Course.title, Course.topic, Course.starts_at, Attendance.status, Attendance.hours)
        .join(Attendance, Attendance.course_id == Course.id).where(Attendance.user_id == actor.id)
        .order_by(Course.starts_at.desc()))]
    return {"standings": standings,
            "this_year": this_year,
            "courses": courses,
            "missed": missed_mandatory(session, [actor.id], today).get(actor.id, []),
            "certificates": [{"name": c.name, "number": c.number, "issued_on": c.issued_on, "expires_on": c.expires_on}
                             for c in session.scalars(select(Certificate).where(Certificate.user_id == actor.id)
                                                      .order_by(Certificate.issued_on.desc(), Certificate.id.desc()))]}


def expiring_certificates(session: Session, actor: Actor, *, today: date | None = None, within_days: int = 60
                          ) -> list[dict[str, Any]]:
    require(actor, "training.view_all")
    today = today or clock.now().date()
    rows = session.execute(select(Certificate, User.display_name).join(User, User.id == Certificate.user_id)
                           .where(Certificate.expires_on >= today,
                                  Certificate.expires_on <= today + timedelta(days=within_days))
                           .order_by(Certificate.expires_on))
    return [{"holder": name, "name": c.name, "number": c.number, "expires_on": c.expires_on,
             "days_left": (c.expires_on - today).days} for c, name in rows]


def changeable_levels(session: Session, actor: Actor) -> tuple[str, ...]:
    """The quotas the actor may change: every level for the system administrator or the admin of
    the only community; a community's own local quota ("none") for the admin of one of several."""
    require(actor, "training.targets")
    if actor.community_id is None or session.scalar(select(func.count()).select_from(Community)) <= 1:
        return LEVELS
    return ("none",)


def set_quota(session: Session, actor: Actor, level: str, *, period_years: int, hours: float | str,
              first_year: int | str | None = None) -> None:
    """Only an administrator changes the targets. The office's own quota ("none") also has the
    first year its periods count from (a 3-year quota from 2026 runs 2026–2028); left out, it
    stays as it is.

    A community's admin sets the community's own local quota. The 社工 quotas follow the
    社会工作者继续教育办法 and hold for every community: with several communities only the system
    administrator changes them (`python -m core.cli set-quota`), as it does the default local quota."""
    require(actor, "training.targets")
    if level not in LEVELS:
        raise Invalid("level", "error.quota.level")
    if level not in changeable_levels(session, actor):
        raise Invalid("level", "error.quota.installation_wide")
    checks = [lambda: whole_number(period_years, "period_years", 1, 10, "error.quota.period"),
              lambda: _hours(hours, "hours", 1000)]
    if level == "none" and first_year is not None:
        checks.append(lambda: whole_number(first_year, "first_year", 2000, 2100, "error.quota.first_year"))
    years, target, *first = collect(checks)
    setting: QuotaSetting | CommunityQuota | None = session.get(QuotaSetting, level)
    if level == "none" and actor.community_id is not None:  # the community's own, made from the default
        setting = session.get(CommunityQuota, actor.community_id) or CommunityQuota(
            community_id=actor.community_id, period_years=setting.period_years, hours=setting.hours,
            first_year=setting.first_year, version=0)
        session.add(setting)
    before = {"period_years": setting.period_years, "hours": setting.hours, "first_year": setting.first_year}
    setting.period_years, setting.hours = years, target
    if first:
        setting.first_year = first[0]
    setting.version += 1
    audit.record(session, actor, "quota_change", object_type="quota", object_id=level, before=before,
                 after={"period_years": setting.period_years, "hours": setting.hours, "first_year": setting.first_year})


def _month_starts(first_month: date, last_month: date) -> list[date]:
    months, day = [], first_month.replace(day=1)
    while day <= last_month:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def hours_by_month_and_topic(session: Session, actor: Actor, first_month: date, last_month: date
                             ) -> list[dict[str, Any]]:
    """Hours credited per month (of the course's start) and topic, summed in SQL, for the
    supervisors' chart: every month from first_month to last_month appears, with 0 hours for a
    topic that had none that month (a range without any hours: one row per month, topic "")."""
    require(actor, "training.view_all")
    months = _month_starts(first_month, last_month)
    if not months:
        return []
    end = date(months[-1].year + months[-1].month // 12, months[-1].month % 12 + 1, 1)
    # Sum per course first (a correlated read of ix_attendance_course_hours), then
    # per month and topic: the month is worked out once per course, not once per attendance row.
    # Hours of the community's staff, wherever earned (a course of the 街道 open to all included).
    course_hours = (select(func.sum(Attendance.hours)).join(User, User.id == Attendance.user_id)
                    .where(Attendance.course_id == Course.id, User.community_id == actor.community_id)
                    .scalar_subquery())
    per_course = (select(Course.starts_at, Course.topic, course_hours.label("hours"))
                  .where(Course.starts_at >= datetime.combine(months[0], time.min),
                         Course.starts_at < datetime.combine(end, time.min)).subquery())
    year_of, month_of = func.extract("year", per_course.c.starts_at), func.extract("month", per_course.c.starts_at)
    hours = func.sum(per_course.c.hours)
    sums = {(f"{int(y)}-{int(m):02d}", topic): round(float(total), 2) for y, m, topic, total in session.execute(
        select(year_of, month_of, per_course.c.topic, hours)
        .group_by(year_of, month_of, per_course.c.topic).having(hours > 0))}
    topics = sorted({topic for _, topic in sums}) or [""]
    return [{"month": f"{month:%Y-%m}", "topic": topic, "hours": sums.get((f"{month:%Y-%m}", topic), 0.0)}
            for month in months for topic in topics]


def month_topic_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """hours_by_month_and_topic rows as a sheet: one row per month, one column per topic, then the
    month's total — (topics, [[month, hours per topic..., total], ...])."""
    months = list(dict.fromkeys(row["month"] for row in rows))
    topics = list(dict.fromkeys(row["topic"] for row in rows if row["topic"]))
    hours = {(row["month"], row["topic"]): row["hours"] for row in rows}
    return topics, [[month, *(hours[(month, topic)] for topic in topics),
                     round(sum(hours[(month, topic)] for topic in topics), 2)] for month in months]


# --- check-in by QR code -------------------------------------------------------------------------

def _signature(secret: str, course_id: int, expires: int) -> str:
    key = hashlib.sha256(("checkin:" + secret).encode()).digest()
    return hmac.new(key, f"{course_id}.{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def checkin_credit(starts_at: datetime, ends_at: datetime, credit_hours: float, checked_in: datetime) -> float:
    """Hours a QR check-in earns: the whole course's credit up to LATE_AFTER past the start (a
    person who is only a little late attended it); after that, the credit of the part still to
    come — from check-in to the end, as a share of the course's credit hours — rounded down to the
    half hour. Checking in a minute before the end earns nothing, not the full course."""
    if checked_in <= starts_at + LATE_AFTER:
        return float(credit_hours)
    length = (ends_at - starts_at).total_seconds()
    left = max((ends_at - checked_in).total_seconds(), 0.0)
    earned = credit_hours * left / length if length > 0 else 0.0
    return math.floor(earned / CREDIT_STEP + 1e-9) * CREDIT_STEP


def checkin_token(secret: str, course: Course) -> str:
    """A signed token for this course, valid until the course ends."""
    expires = int(course.ends_at.timestamp())
    return f"{course.id}.{expires}.{_signature(secret, course.id, expires)}"


def check_in(session: Session, actor: Actor, secret: str, token: str, *, now: datetime | None = None) -> Course:
    """A signed-in staff member marks themself present, within the course's time window, once."""
    require(actor, "training.view_own")
    now = now or clock.now()
    try:
        course_text, expires_text, signature = str(token).split(".")
        course_id, expires = int(course_text), int(expires_text)
    except ValueError:
        raise Invalid("token", "error.checkin.invalid") from None
    if not hmac.compare_digest(signature, _signature(secret, course_id, expires)):
        raise Invalid("token", "error.checkin.invalid")
    course = session.get(Course, course_id)
    if course is None or int(course.ends_at.timestamp()) != expires:
        raise Invalid("token", "error.checkin.invalid")
    expected = session.scalar(select(func.count()).select_from(course_participants).where(
        course_participants.c.course_id == course_id, course_participants.c.user_id == actor.id))
    if not (course.open_to_all or course.community_id == actor.community_id or expected):
        raise Invalid("token", "error.checkin.other_community")
    if course.cancelled_at is not None:
        raise Invalid("token", "error.checkin.cancelled")
    if now < course.starts_at - CHECKIN_EARLY:
        raise Invalid("token", "error.checkin.too_early")
    if now > course.ends_at:
        raise Invalid("token", "error.checkin.too_late")
    existing = session.scalar(select(Attendance).where(Attendance.course_id == course_id,
                                                       Attendance.user_id == actor.id))
    if existing is not None and existing.status in ("present", "late"):
        raise Invalid("token", "error.checkin.already")
    status = "late" if now > course.starts_at + LATE_AFTER else "present"
    hours = checkin_credit(course.starts_at, course.ends_at, course.credit_hours, now)
    if hours <= 0:  # the last minutes of a course: nothing left to credit (the trainer may still mark them)
        raise Invalid("token", "error.checkin.nothing_left", step=CREDIT_STEP)
    if existing is None:
        session.add(Attendance(course_id=course_id, user_id=actor.id, status=status, hours=hours,
                               recorded_by=actor.id, recorded_at=now, course_starts_at=course.starts_at))
    else:
        existing.status, existing.hours, existing.recorded_by, existing.recorded_at = (status, hours, actor.id, now)
    # A check-in changes the roster: a grid loaded before it is stale.
    session.execute(update(Course).where(Course.id == course_id).values(roster_version=Course.roster_version + 1)
                    .execution_options(synchronize_session=False))
    audit.record(session, actor, "checkin", object_type="course", object_id=course_id, after={"status": status}, now=now)
    return course




def list_courses(session: Session, actor: Actor, *, limit: int = 200) -> list[dict[str, Any]]:
    """Courses newest first, with how many are expected and how many attended."""
    require(actor, "training.manage")
    expected = (select(course_participants.c.course_id, func.count().label("expected"))
                .group_by(course_participants.c.course_id).subquery())
    attended = (select(Attendance.course_id, func.count().label("attended"))
                .where(Attendance.status.in_(("present", "late"))).group_by(Attendance.course_id).subquery())
    rows = session.execute(
        select(Course.id, Course.title, Course.topic, Course.starts_at, Course.ends_at, Course.credit_hours,
               Course.mandatory, func.coalesce(expected.c.expected, 0), func.coalesce(attended.c.attended, 0),
               CourseCategory.name, Course.cancelled_at, Course.cancel_reason, Course.open_to_all)
        .outerjoin(expected, expected.c.course_id == Course.id).outerjoin(attended, attended.c.course_id == Course.id)
        .outerjoin(CourseCategory, CourseCategory.id == Course.category_id)
        .where(Course.community_id == actor.community_id)
        .order_by(Course.starts_at.desc()).limit(limit))
    return [{"id": r[0], "title": r[1], "topic": r[2], "starts_at": r[3], "ends_at": r[4], "hours": r[5],
             "mandatory": r[6], "expected": r[7], "attended": r[8], "category": r[9], "cancelled_at": r[10],
             "cancel_reason": r[11], "open_to_all": r[12]} for r in rows]


def staff_choices(session: Session, actor: Actor, *, every_community: bool = False) -> dict[int, str]:
    """Who may be expected at or added to a course: the community's staff, or every community's
    (named with their community) for a course open to all."""
    require(actor, "training.manage")
    if not every_community:
        return staff.active_staff(session, actor)
    return {user_id: f"{name}（{community}）" for user_id, name, community in session.execute(
        select(User.id, User.display_name, Community.name).join(Community, Community.id == User.community_id)
        .where(User.active.is_(True)).order_by(Community.id, User.display_name, User.id))}


def course_by_id(session: Session, actor: Actor, course_id: int) -> Course:
    require(actor, "training.view_own")
    return _course(session, actor, course_id)


def qualification_of(session: Session, actor: Actor, user_id: int) -> tuple[str, date | None]:
    """(level, registered_on) of a staff member as recorded; ("none", None) without one (admin)."""
    require(actor, "training.targets")
    current = session.get(StaffQualification, user_id)
    return (current.level, current.registered_on) if current is not None else ("none", None)


def set_qualification(session: Session, actor: Actor, user_id: int, *, level: str, registered_on: date | str | None,
                      now: datetime | None = None) -> None:
    """A staff member's qualification and registration date (admin); "none" removes it."""
    from core.base.validation import parse_date

    require(actor, "training.targets")
    if session.get(User, user_id) is None:
        raise NotFound(object="user", id=user_id)
    if level not in LEVELS:
        raise Invalid("level", "error.quota.level")
    current = session.get(StaffQualification, user_id)
    if level == "none":
        if current is not None:
            session.delete(current)
    else:
        day = parse_date(registered_on, "registered_on")
        if day is None or day > (now or clock.now()).date():
            raise Invalid("registered_on", "error.date.future" if day else "error.required")
        if current is None:
            session.add(StaffQualification(user_id=user_id, level=level, registered_on=day))
        else:
            current.level, current.registered_on, current.version = level, day, current.version + 1
    audit.record(session, actor, "qualification_change", object_type="user", object_id=user_id,
                 after={"level": level, "registered_on": registered_on}, now=now)


def add_certificate(session: Session, actor: Actor, user_id: int, *, name: str, number: str = "",
                    issued_on: date | str | None, expires_on: date | str | None = None,
                    now: datetime | None = None) -> Certificate:
    from core.base.validation import parse_date, required_text

    require(actor, "training.manage")
    if session.get(User, user_id) is None:
        raise Invalid("holder", "error.course.unknown_participant")
    title = required_text(name, "name", 100, prose=False)
    issued = parse_date(issued_on, "issued_on")
    if issued is None:
        raise Invalid("issued_on", "error.required")
    expires = parse_date(expires_on, "expires_on")
    if expires is not None and expires <= issued:
        raise Invalid("expires_on", "error.certificate.expires_before")
    certificate = Certificate(user_id=user_id, name=title, number=clean(number)[:50], issued_on=issued,
                              expires_on=expires)
    session.add(certificate)
    session.flush()
    audit.record(session, actor, "certificate_add", object_type="certificate", object_id=certificate.id,
                 after={"user_id": user_id, "name": title, "expires_on": expires}, now=now)
    return certificate


def upcoming_courses(session: Session, actor: Actor, *, now: datetime | None = None, days: int = 30
                     ) -> list[dict[str, Any]]:
    """Courses starting within `days`, soonest first (a trainer's home page)."""
    now = now or clock.now()
    return sorted((c for c in list_courses(session, actor)
                   if c["cancelled_at"] is None and now <= c["starts_at"] <= now + timedelta(days=days)),
                  key=lambda c: c["starts_at"])
