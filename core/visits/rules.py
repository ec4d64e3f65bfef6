"""Care visits (走访): tiers, how often each is visited, and when a visit is on time, late or missed.

The national guideline (民政部等十部门《关于开展特殊困难老年人探访关爱服务的指导意见》, 2022)
aims at every elderly person in special difficulty visited at least monthly; provincial rules
built on it tier the frequency, e.g. Inner Mongolia's (2022): 高风险对象 (80 or older living
alone or empty-nest) at least weekly and within 24 hours of a major change, 重点对象 (disabled
60 or older, 分散供养特困: here every 特困人员 registered, as those in an institution are not
registered with a grid) monthly, 一般对象 quarterly. Children in difficulty (留守/困境儿童) are
visited under separate 民政 rules for children: monthly here. These are the defaults; a
community's admin may set its own frequency per tier.

One definition of on time, late and missed, used by the round, the coverage figures and the
workbook: a resident in a tier owes one visit per calendar period of the tier (week from Monday,
month, quarter). The period's due date is one interval after the last visit before the period
(or after the resident joined the plan, if never visited), kept inside the period. A visit counts
for the period it falls in: the first one on or before the due date is on time; after it but
inside the period, late; none in the period, missed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

TIERS = ("high", "key", "child", "general")  # 高风险, 重点, 困境/留守儿童, 一般
PERIODS = ("week", "month", "quarter")
DEFAULT_PERIODS = {"high": "week", "key": "month", "child": "month", "general": "quarter"}
# Groups (core.residents.service.TAGS) that put a resident in a tier.
ELDERLY = frozenset({"elderly_alone", "empty_nest"})
CHILDREN = frozenset({"left_behind_child", "child_in_difficulty"})
CARE_GROUPS = ELDERLY | frozenset({"disabled", "dibao", "destitute", "special_care"}) | CHILDREN
HIGH_RISK_AGE, KEY_DISABLED_AGE = 80, 60
MAJOR_CHANGES = ("hospital", "widowed", "children_left", "disaster")  # 住院, 丧偶, 子女离开, 灾害
MAJOR_CHANGE_HOURS = 24


def proposed_tier(tags: set[str] | frozenset[str], age: int) -> str | None:
    """The tier Linli proposes from a resident's groups and age (None: not in the plan)."""
    if age >= HIGH_RISK_AGE and tags & ELDERLY:
        return "high"
    if ("disabled" in tags and age >= KEY_DISABLED_AGE) or "destitute" in tags:  # 分散供养特困
        return "key"
    if tags & CHILDREN and age < 18:
        return "child"
    if tags & CARE_GROUPS:
        return "general"
    return None


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def period_of(day: date, kind: str) -> tuple[date, date]:
    """The calendar period (first and last day) of the kind that holds the day."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if kind == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        last_month = first_month + 2
        return (date(day.year, first_month, 1),
                date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]))
    raise ValueError(kind)


def one_interval_after(day: date, kind: str) -> date:
    """A week, a month or three months after the day (the 31st → the month's last day)."""
    if kind == "week":
        return day + timedelta(days=7)
    months = 1 if kind == "month" else 3
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(kind: str, period_start: date, reference: date) -> date:
    """The due date of the period: one interval after the reference (the last visit before the
    period, or the day the resident joined the plan), kept inside the period."""
    start, end = period_of(period_start, kind)
    return min(max(one_interval_after(reference, kind), start), end)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # on_time, late, missed; while the period runs and no visit yet: due, overdue
    due: date
    visited: date | None


def outcome(due: date, period_end: date, first_visit: date | None, today: date) -> Outcome:
    """What became of one period's visit, as of today."""
    if first_visit is not None:
        return Outcome("on_time" if first_visit <= due else "late", due, first_visit)
    if today > period_end:
        return Outcome("missed", due, None)
    return Outcome("overdue" if today > due else "due", due, None)


def major_change_due(recorded_at: datetime) -> datetime:
    """A major change (住院, 丧偶, 子女离开, 灾害) makes a visit due within 24 hours of being recorded."""
    return recorded_at + timedelta(hours=MAJOR_CHANGE_HOURS)
