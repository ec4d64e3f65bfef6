"""Training on both databases: hours per period and quota, the roster, check-in, targets."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core import training
from core.errors import Forbidden, Invalid, InvalidMany, StaleEdit
from core.training import CourseInput, RosterEntry
from db.engine import read_session, write_session
from db.models import Attendance, Certificate, Course, StaffQualification
from tests.factories import make_world

SECRET = "checkin-secret-for-tests-0123456789abcdef"


def course(engine, trainer, starts: datetime, hours=3.0, participants=()):
    with write_session(engine) as session:
        return training.create_course(session, trainer, CourseInput(
            title="社区矛盾调解实务", topic="调解", starts_at=starts, ends_at=starts + timedelta(hours=3),
            credit_hours=hours, participant_ids=list(participants)), now=starts - timedelta(days=7))


def attend(engine, trainer, course_row, user_id, status="present", hours=None):
    with read_session(engine) as session:
        _, version = training.load_roster(session, trainer, course_row.id)
    with write_session(engine) as session:
        training.save_roster(session, trainer, course_row.id, version,
                             [RosterEntry(user_id, status, course_row.credit_hours if hours is None else hours)])


def qualify(engine, user_id, level, registered_on):
    with write_session(engine) as session:
        session.add(StaffQualification(user_id=user_id, level=level, registered_on=registered_on))


def test_periods():
    assert training.period_on("assistant", date(2024, 3, 1), 3, date(2026, 11, 29)) == (date(2024, 3, 1), date(2027, 2, 28))
    assert training.period_on("assistant", date(2024, 3, 1), 3, date(2027, 3, 1)) == (date(2027, 3, 1), date(2030, 2, 28))
    assert training.period_on("assistant", date(2024, 3, 1), 3, date(2024, 2, 29)) == (date(2021, 3, 1), date(2024, 2, 29))
    assert training.period_on("none", None, 1, date(2026, 5, 5)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_hours_count_in_the_period_of_the_course_day_including_its_last_day(engine):
    world = make_world(engine)
    trainer, worker = world.actors["trainer"], world.actors["worker"]
    qualify(engine, worker.id, "assistant", date(2023, 12, 1))  # periods: 2023-12-01 .. 2026-11-30
    last_day = course(engine, trainer, datetime(2026, 11, 30, 14, 0), hours=4)
    next_period = course(engine, trainer, datetime(2026, 12, 1, 9, 0), hours=6)
    earlier = course(engine, trainer, datetime(2025, 6, 1, 9, 0), hours=8)
    for row in (last_day, next_period, earlier):
        attend(engine, trainer, row, worker.id)
    attend(engine, trainer, course(engine, trainer, datetime(2026, 3, 3, 9, 0), hours=2), worker.id, "absent")
    with read_session(engine) as session:
        table = {r["name"]: r for r in training.compliance(session, world.actors["supervisor"], today=date(2026, 11, 30))}
        later = {r["name"]: r for r in training.compliance(session, world.actors["supervisor"], today=date(2026, 12, 2))}
    mine = table["worker one"]
    assert (mine["period_start"], mine["period_end"], mine["hours"], mine["quota"]) == (
        date(2023, 12, 1), date(2026, 11, 30), 12.0, 72.0)
    assert mine["shortfall"] == 60.0
    assert (later["worker one"]["period_start"], later["worker one"]["hours"]) == (date(2026, 12, 1), 6.0)
    # Staff without a qualification: the calendar-year target.
    assert table["trainer one"]["quota"] == 24.0 and table["trainer one"]["period_start"] == date(2026, 1, 1)
    with read_session(engine) as session:
        shortfalls = [r["shortfall"] for r in training.compliance(session, world.actors["admin"], today=date(2026, 11, 30))]
    assert shortfalls == sorted(shortfalls, reverse=True)


def test_roster_save_is_one_transaction_and_a_stale_roster_is_refused(engine):
    world = make_world(engine)
    trainer = world.actors["trainer"]
    people = [world.actors[r].id for r in ("worker", "supervisor", "admin")]
    row = course(engine, trainer, datetime(2026, 11, 20, 9, 0), participants=people)
    with read_session(engine) as session:
        roster, version = training.load_roster(session, trainer, row.id)
    assert [r["hours"] for r in roster] == [3.0, 3.0, 3.0] and {r["status"] for r in roster} == {"present"}
    with write_session(engine) as session:
        training.save_roster(session, trainer, row.id, version, [RosterEntry(people[0], "late", 2.5),
                                                                 RosterEntry(people[1], "absent", 3)])
    with pytest.raises(StaleEdit):
        with write_session(engine) as session:
            training.save_roster(session, world.actors["admin"], row.id, version, [RosterEntry(people[0], "absent", 0)])
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            training.save_roster(session, trainer, row.id, version + 1,
                                 [RosterEntry(people[2], "present", 3), RosterEntry(people[0], "present", 9)])
    assert [e.field for e in refused.value.errors] == ["row_2"]
    with read_session(engine) as session:
        saved = {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}
    assert saved == {people[0]: ("late", 2.5), people[1]: ("absent", 0.0)}  # the refused saves wrote nothing


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"title": ""}, "title"), ({"credit_hours": "-1"}, "credit_hours"), ({"credit_hours": "abc"}, "credit_hours"),
     ({"credit_hours": 0}, "credit_hours"), ({"ends_at": datetime(2026, 11, 20, 8, 0)}, "ends_at"),
     ({"participant_ids": [987654]}, "participants")],
)
def test_bad_course_input_is_refused_and_nothing_written(engine, changes, field):
    world = make_world(engine)
    values = {"title": "课程", "topic": "调解", "starts_at": datetime(2026, 11, 20, 9, 0),
              "ends_at": datetime(2026, 11, 20, 12, 0), "credit_hours": 3}
    values.update(changes)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            training.create_course(session, world.actors["trainer"], CourseInput(**values))
    assert field in {e.field for e in refused.value.errors}
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 0


def test_only_trainers_and_admins_manage_courses(engine):
    world = make_world(engine)
    for role in ("worker", "supervisor"):
        with pytest.raises(Forbidden):
            course(engine, world.actors[role], datetime(2026, 11, 20, 9, 0))


def test_check_in_within_the_window_once_and_never_with_a_forged_code(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    row = course(engine, world.actors["trainer"], datetime(2026, 11, 20, 9, 0))
    token = training.checkin_token(SECRET, row)

    def check(at, code=token, who=worker):
        with write_session(engine) as session:
            return training.check_in(session, who, SECRET, code, now=at)

    for at, key in ((datetime(2026, 11, 20, 8, 0), "error.checkin.too_early"),
                    (datetime(2026, 11, 20, 12, 1), "error.checkin.too_late")):
        with pytest.raises(Invalid) as refused:
            check(at)
        assert refused.value.key == key
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    for bad in (forged, "garbage", f"{row.id}.1.abc"):
        with pytest.raises(Invalid) as refused:
            check(datetime(2026, 11, 20, 9, 5), bad)
        assert refused.value.key == "error.checkin.invalid"
    check(datetime(2026, 11, 20, 9, 5))
    with pytest.raises(Invalid) as refused:
        check(datetime(2026, 11, 20, 9, 6))
    assert refused.value.key == "error.checkin.already"
    check(datetime(2026, 11, 20, 9, 40), who=world.actors["supervisor"])
    with read_session(engine) as session:
        marks = {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}
    assert marks == {worker.id: ("present", 3.0), world.actors["supervisor"].id: ("late", 3.0)}


def test_only_admin_changes_targets(engine):
    world = make_world(engine)
    with pytest.raises(Forbidden):
        with write_session(engine) as session:
            training.set_quota(session, world.actors["supervisor"], "none", period_years=1, hours=30)
    with write_session(engine) as session:
        training.set_quota(session, world.actors["admin"], "none", period_years=1, hours=30)
    with read_session(engine) as session:
        assert training.quotas(session)["none"].hours == 30.0
    with write_session(engine) as session:  # the seeded target, as the migration made it
        training.set_quota(session, world.actors["admin"], "none", period_years=1, hours=24)


def test_certificates_expiring_within_60_days(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        for days, name in ((10, "社会工作者职业水平证书"), (59, "调解员证"), (61, "急救证"), (-1, "过期证")):
            session.add(Certificate(user_id=world.actors["worker"].id, name=name, issued_on=date(2024, 1, 1),
                                    expires_on=date(2026, 11, 29) + timedelta(days=days)))
    with read_session(engine) as session:
        soon = training.expiring_certificates(session, world.actors["supervisor"], today=date(2026, 11, 29))
        record = training.my_record(session, world.actors["worker"], today=date(2026, 11, 29))
    assert [(c["name"], c["days_left"]) for c in soon] == [("社会工作者职业水平证书", 10), ("调解员证", 59)]
    assert len(record["certificates"]) == 4


def test_qualifications_by_admin_and_certificates_checked(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    with pytest.raises(Forbidden):
        with write_session(engine) as session:
            training.set_qualification(session, world.actors["trainer"], worker.id, level="assistant",
                                       registered_on="2024-03-01")
    with write_session(engine) as session:
        training.set_qualification(session, world.actors["admin"], worker.id, level="assistant",
                                   registered_on="2024-03-01")
    with read_session(engine) as session:
        standing = training.my_record(session, worker, today=date(2026, 11, 29))["standing"]
    assert (standing["level"], standing["quota"], standing["period_end"]) == ("assistant", 72.0, date(2027, 2, 28))
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            training.add_certificate(session, world.actors["trainer"], worker.id, name="调解员证",
                                     issued_on="2026-01-01", expires_on="2025-12-31")
    assert refused.value.field == "expires_on"
    with write_session(engine) as session:
        training.add_certificate(session, world.actors["trainer"], worker.id, name="调解员证", issued_on="2026-01-01",
                                 expires_on="2026-12-31")
    with read_session(engine) as session:
        assert [c["name"] for c in training.expiring_certificates(session, world.actors["admin"],
                                                                  today=date(2026, 11, 29))] == ["调解员证"]
