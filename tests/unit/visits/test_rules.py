"""On time, late and missed, defined once (core.visits.rules), at the boundaries that matter:
month ends, short months, weeks across a month, quarters, and the 24 hours after a major change."""

from datetime import date, datetime

import pytest

from core.visits import rules


@pytest.mark.parametrize(("tags", "age", "tier"), [
    ({"elderly_alone"}, 80, "high"),  # 80 or older living alone: 高风险, weekly
    ({"empty_nest"}, 85, "high"),
    ({"elderly_alone"}, 79, "general"),
    ({"disabled"}, 60, "key"),  # disabled 60 or older: 重点, monthly
    ({"disabled"}, 59, "general"),
    ({"left_behind_child"}, 9, "child"),
    ({"dibao"}, 45, "general"),
    ({"unemployed"}, 45, None),  # not a care group
    (set(), 90, None),  # age alone proposes nothing: 高龄 without a group is the registry's to mark
])
def test_the_proposed_tier_follows_the_guidelines_groups_and_ages(tags, age, tier):
    assert rules.proposed_tier(frozenset(tags), age) == tier


def test_age_turns_on_the_birthday_and_on_28_february_for_29_february():
    assert rules.age_on(date(1946, 6, 20), date(2026, 6, 19)) == 79
    assert rules.age_on(date(1946, 6, 20), date(2026, 6, 20)) == 80
    assert rules.age_on(date(1944, 2, 29), date(2024, 2, 28)) == 79
    assert rules.age_on(date(1944, 2, 29), date(2024, 2, 29)) == 80


@pytest.mark.parametrize(("day", "kind", "period"), [
    (date(2026, 12, 6), "week", (date(2026, 11, 30), date(2026, 12, 6))),  # a Sunday: the week began Monday
    (date(2026, 12, 7), "week", (date(2026, 12, 7), date(2026, 12, 13))),
    (date(2026, 2, 14), "month", (date(2026, 2, 1), date(2026, 2, 28))),
    (date(2028, 2, 14), "month", (date(2028, 2, 1), date(2028, 2, 29))),
    (date(2026, 12, 31), "quarter", (date(2026, 10, 1), date(2026, 12, 31))),
    (date(2026, 4, 1), "quarter", (date(2026, 4, 1), date(2026, 6, 30))),
])
def test_periods_are_calendar_weeks_months_and_quarters(day, kind, period):
    assert rules.period_of(day, kind) == period


def test_the_due_date_is_one_interval_after_the_last_visit_kept_inside_the_period():
    # visited 31 January: a month later is the end of February, not 3 March
    assert rules.due_date("month", date(2026, 2, 1), date(2026, 1, 31)) == date(2026, 2, 28)
    assert rules.due_date("month", date(2026, 2, 1), date(2026, 1, 5)) == date(2026, 2, 5)
    # last visited long ago (or never since joining): due on the period's first day
    assert rules.due_date("month", date(2026, 2, 1), date(2025, 10, 9)) == date(2026, 2, 1)
    # visited early in the period before: due no later than the period's last day
    assert rules.due_date("quarter", date(2026, 4, 1), date(2026, 3, 30)) == date(2026, 6, 30)
    assert rules.due_date("week", date(2026, 12, 7), date(2026, 12, 2)) == date(2026, 12, 9)


def test_a_visit_counts_for_the_period_it_falls_in():
    due, end = date(2026, 2, 5), date(2026, 2, 28)
    assert rules.outcome(due, end, date(2026, 2, 5), date(2026, 3, 1)).status == "on_time"
    assert rules.outcome(due, end, date(2026, 2, 6), date(2026, 3, 1)).status == "late"
    assert rules.outcome(due, end, None, date(2026, 3, 1)).status == "missed"
    # while the period runs: due until the due date, overdue after it, missed only once it is over
    assert rules.outcome(due, end, None, date(2026, 2, 5)).status == "due"
    assert rules.outcome(due, end, None, date(2026, 2, 6)).status == "overdue"
    assert rules.outcome(due, end, None, date(2026, 2, 28)).status == "overdue"


def test_a_major_change_recorded_late_in_the_evening_is_due_by_the_same_time_next_day():
    assert rules.major_change_due(datetime(2026, 2, 28, 23, 30)) == datetime(2026, 3, 1, 23, 30)
    assert rules.major_change_due(datetime(2026, 12, 31, 23, 59)) == datetime(2027, 1, 1, 23, 59)
