"""Training on both databases: hours per period and quota, the roster, check-in, targets."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from core.base.errors import Forbidden, Invalid, InvalidMany, StaleEdit
from core.training import categories
from core.training import charts as training_charts
from core.training import service as training
from core.training.service import CourseInput, RosterEntry
from db.engine import read_session, write_session
from db.models import Attendance, AuditEvent, Certificate, Course, StaffQualification
from tests.factories import make_world

SECRET = "checkin-secret-for-tests-0123456789abcdef"


def course(engine, trainer, starts: datetime, hours=3.0, participants=()):
    with write_session(engine) as session:
        return training.create_course(session, trainer, CourseInput(
            category_id=categories.SOCIAL_WORK, title="社区矛盾调解实务", topic="调解", starts_at=starts, ends_at=starts + timedelta(hours=max(3, hours)),
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
        table = {(r["name"], r["quota_kind"]): r
                 for r in training.compliance(session, world.actors["supervisor"], today=date(2026, 11, 30))}
        later = {(r["name"], r["quota_kind"]): r
                 for r in training.compliance(session, world.actors["supervisor"], today=date(2026, 12, 2))}
    mine = table["worker one", "social_work"]
    assert (mine["period_start"], mine["period_end"], mine["hours"], mine["quota"]) == (
        date(2023, 12, 1), date(2026, 11, 30), 12.0, 72.0)
    assert mine["shortfall"] == 60.0 and mine["status"] == "behind"  # the period's last day: 72 expected
    assert (later["worker one", "social_work"]["period_start"], later["worker one", "social_work"]["hours"]) == (
        date(2026, 12, 1), 6.0)
    # A qualified worker is held to the office's own (local) quota too: its calendar year.
    assert (table["worker one", "local"]["quota"], table["worker one", "local"]["period_start"],
            table["worker one", "local"]["hours"]) == (24.0, date(2026, 1, 1), 4.0)
    # The supervisor (community staff, unqualified) has the local quota; the trainer and admin none.
    assert {name for name, _ in table} == {"worker one", "supervisor one"}
    with read_session(engine) as session:
        rows = training.compliance(session, world.actors["admin"], today=date(2026, 11, 30))
    order = {"behind": 0, "on_track": 1, "met": 2}
    assert [(order[r["status"]], -r["shortfall"]) for r in rows] == sorted((order[r["status"]], -r["shortfall"])
                                                                          for r in rows)


def test_roster_save_is_one_transaction_and_a_stale_roster_is_refused(engine):
    world = make_world(engine)
    trainer = world.actors["trainer"]
    people = [world.actors[r].id for r in ("worker", "supervisor", "admin")]
    row = course(engine, trainer, datetime(2026, 11, 20, 9, 0), participants=people)
    with read_session(engine) as session:
        roster, version = training.load_roster(session, trainer, row.id)
    assert [r["hours"] for r in roster] == [None] * 3 and {r["status"] for r in roster} == {None}  # unmarked
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
     ({"participant_ids": [987654]}, "participants"),
     ({"credit_hours": 3.5}, "credit_hours"),  # more than the 3-hour session
     ({"ends_at": datetime(2026, 11, 22, 12, 0), "credit_hours": 52}, "credit_hours")],  # 51 h from 20th 9:00

)
def test_bad_course_input_is_refused_and_nothing_written(engine, changes, field):
    world = make_world(engine)
    values = {"title": "课程", "topic": "调解", "starts_at": datetime(2026, 11, 20, 9, 0),
              "ends_at": datetime(2026, 11, 20, 12, 0), "credit_hours": 3}
    values.update(changes)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            training.create_course(session, world.actors["trainer"], CourseInput(category_id=categories.SOCIAL_WORK, **values))
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
    # 40 minutes late to a 3-hour course: 2 h 20 left, credited 2 h (rounded down to the half hour)
    assert marks == {worker.id: ("present", 3.0), world.actors["supervisor"].id: ("late", 2.0)}


@pytest.mark.parametrize(("at", "status", "hours"), [
    (datetime(2026, 11, 20, 8, 45), "present", 3.0),  # early
    (datetime(2026, 11, 20, 9, 15), "present", 3.0),  # within the 15 minutes a start may slip
    (datetime(2026, 11, 20, 9, 16), "late", 2.5),  # 2 h 44 left
    (datetime(2026, 11, 20, 10, 30), "late", 1.5),
    (datetime(2026, 11, 20, 11, 29), "late", 0.5),
])
def test_a_check_in_credits_what_was_attended_rounded_down_to_the_half_hour(engine, at, status, hours):
    world = make_world(engine)
    row = course(engine, world.actors["trainer"], datetime(2026, 11, 20, 9, 0))  # 9:00–12:00, 3 h
    with write_session(engine) as session:
        training.check_in(session, world.actors["worker"], SECRET, training.checkin_token(SECRET, row), now=at)
    with read_session(engine) as session:
        mark = session.scalars(select(Attendance)).one()
    assert (mark.status, mark.hours) == (status, hours)


def test_a_check_in_a_minute_before_the_end_earns_nothing_and_writes_nothing(engine):
    world = make_world(engine)
    row = course(engine, world.actors["trainer"], datetime(2026, 11, 20, 9, 0))
    with pytest.raises(Invalid) as refused, write_session(engine) as session:
        training.check_in(session, world.actors["worker"], SECRET, training.checkin_token(SECRET, row),
                          now=datetime(2026, 11, 20, 11, 59))
    assert (refused.value.field, refused.value.key) == ("token", "error.checkin.nothing_left")
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_a_roster_starts_unmarked_and_saving_one_line_marks_only_that_person(engine):
    world = make_world(engine)
    trainer, worker, supervisor = world.actors["trainer"], world.actors["worker"], world.actors["supervisor"]
    row = course(engine, trainer, datetime(2026, 11, 20, 9, 0), participants=[worker.id, supervisor.id])
    with read_session(engine) as session:
        roster, version = training.load_roster(session, trainer, row.id)
    assert {(r["user_id"], r["status"], r["hours"]) for r in roster} == {(worker.id, None, None),
                                                                         (supervisor.id, None, None)}
    entries = [RosterEntry(r["user_id"], "present" if r["user_id"] == worker.id else None, None) for r in roster]
    with write_session(engine) as session:
        version = training.save_roster(session, trainer, row.id, version, entries)
    with read_session(engine) as session:
        marks = {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}
    assert marks == {worker.id: ("present", 3.0)}  # the course's hours; the other person stays unmarked
    with write_session(engine) as session:  # set back to unmarked: the mark is taken back
        training.save_roster(session, trainer, row.id, version, [RosterEntry(worker.id, None, None)])
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_only_admin_changes_targets(engine):
    world = make_world(engine)
    with pytest.raises(Forbidden):
        with write_session(engine) as session:
            training.set_quota(session, world.actors["supervisor"], "none", period_years=1, hours=30)
    with write_session(engine) as session:
        training.set_quota(session, world.actors["admin"], "none", period_years=1, hours=30)
    with read_session(engine) as session:  # the community's own; the installation's stays
        assert training.quotas(session, world.community_id)["none"].hours == 30.0
        assert training.quotas(session)["none"].hours == 24.0


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
        standing = training.my_record(session, worker, today=date(2026, 11, 29))["standings"][0]
        # What the settings form opens on: the record as it stands, "none" for someone without one.
        assert training.qualification_of(session, world.actors["admin"], worker.id) == ("assistant", date(2024, 3, 1))
        assert training.qualification_of(session, world.actors["admin"], world.actors["trainer"].id) == ("none", None)
        with pytest.raises(Forbidden):
            training.qualification_of(session, world.actors["trainer"], worker.id)
    assert (standing["level"], standing["quota"], standing["period_end"]) == ("assistant", 72.0, date(2027, 2, 28))
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            training.add_certificate(session, world.actors["trainer"], worker.id, name="调解员证",
                                     issued_on="2026-01-01", expires_on="2025-12-31")
    assert refused.value.field == "expires_on"
    with write_session(engine) as session:  # a name, folded like one: full-width brackets become ( )
        training.add_certificate(session, world.actors["trainer"], worker.id, name="调解员证（初级）",
                                 issued_on="2026-01-01", expires_on="2026-12-31")
    with read_session(engine) as session:
        assert [c["name"] for c in training.expiring_certificates(session, world.actors["admin"],
                                                                  today=date(2026, 11, 29))] == ["调解员证(初级)"]


def course_on(engine, trainer, starts: datetime, topic: str, hours: float):
    with write_session(engine) as session:
        return training.create_course(session, trainer, CourseInput(
            category_id=categories.SOCIAL_WORK, title=f"{topic}课程", topic=topic, starts_at=starts, ends_at=starts + timedelta(hours=hours),
            credit_hours=hours), now=starts - timedelta(days=7))


def test_hours_by_month_and_topic_sum_in_sql_with_every_month_present(engine):
    world = make_world(engine)
    trainer, worker, supervisor = world.actors["trainer"], world.actors["worker"], world.actors["supervisor"]
    march_last = course_on(engine, trainer, datetime(2026, 3, 31, 23, 0), "调解", 4)  # last hour of March
    april_first = course_on(engine, trainer, datetime(2026, 4, 1, 0, 0), "调解", 3)
    april_policy = course_on(engine, trainer, datetime(2026, 4, 20, 9, 0), "政策法规", 2)
    before = course_on(engine, trainer, datetime(2026, 2, 28, 23, 0), "调解", 6)
    after = course_on(engine, trainer, datetime(2026, 6, 1, 0, 0), "调解", 5)
    for row in (march_last, april_first, before, after):
        attend(engine, trainer, row, worker.id)
        attend(engine, trainer, row, supervisor.id)
    attend(engine, trainer, april_first, world.actors["admin"].id, "late", 1.5)
    attend(engine, trainer, april_policy, worker.id, "present", 2)
    attend(engine, trainer, april_policy, supervisor.id, "absent")  # credits nothing
    with read_session(engine) as session:
        rows = training.hours_by_month_and_topic(session, supervisor, date(2026, 3, 1), date(2026, 5, 31))
    assert rows == [
        {"month": "2026-03", "topic": "政策法规", "hours": 0.0}, {"month": "2026-03", "topic": "调解", "hours": 8.0},
        {"month": "2026-04", "topic": "政策法规", "hours": 2.0}, {"month": "2026-04", "topic": "调解", "hours": 7.5},
        {"month": "2026-05", "topic": "政策法规", "hours": 0.0}, {"month": "2026-05", "topic": "调解", "hours": 0.0},
    ]
    topics, table = training.month_topic_table(rows)
    assert topics == ["政策法规", "调解"]
    assert table == [["2026-03", 0.0, 8.0, 8.0], ["2026-04", 2.0, 7.5, 9.5], ["2026-05", 0.0, 0.0, 0.0]]
    with read_session(engine) as session:  # a range with no hours still lists its months
        empty = training.hours_by_month_and_topic(session, world.actors["admin"], date(2025, 11, 1), date(2026, 1, 15))
    assert empty == [{"month": m, "topic": "", "hours": 0.0} for m in ("2025-11", "2025-12", "2026-01")]
    for role in ("worker", "trainer"):
        with pytest.raises(Forbidden):
            with read_session(engine) as session:
                training.hours_by_month_and_topic(session, world.actors[role], date(2026, 3, 1), date(2026, 5, 31))


def test_compliance_reads_a_fixed_number_of_queries_whatever_the_staff(engine):
    from sqlalchemy import event

    from core.office import users

    world = make_world(engine)
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    def queries_for_compliance() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            with read_session(engine) as session:
                table = training.compliance(session, world.actors["supervisor"], today=date(2026, 11, 30))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements), len(table)

    qualify(engine, world.actors["worker"].id, "assistant", date(2024, 3, 1))  # every kind of quota is read
    few = queries_for_compliance()
    with write_session(engine) as session:
        for index in range(12):
            account = users.create_user(session, None, username=f"staff{index}", display_name=f"员工{index}",
                                        role="worker", community_id=world.community_id, password="Secret123",
                                        must_change_password=False)
            if index % 2:
                session.add(StaffQualification(user_id=account.user.id, level="social_worker",
                                               registered_on=date(2020 + index % 5, 1 + index, 1)))
    many = queries_for_compliance()
    assert many == (few[0], few[1] + 12 + 6)  # each worker's local quota, and the qualified half's 社工 one


def test_a_second_roster_save_updates_marks_and_adds_late_arrivals(engine):
    world = make_world(engine)
    trainer, worker, supervisor = world.actors["trainer"], world.actors["worker"], world.actors["supervisor"]
    row = course(engine, trainer, datetime(2026, 11, 20, 9, 0), participants=[worker.id])
    attend(engine, trainer, row, worker.id, "late", 1.0)
    with read_session(engine) as session:
        _, version = training.load_roster(session, trainer, row.id)
    with write_session(engine) as session:
        training.save_roster(session, trainer, row.id, version,
                             [RosterEntry(worker.id, "present", 3), RosterEntry(supervisor.id, "excused", 3)],
                             now=datetime(2026, 11, 20, 12, 30, 15, 123456))
    with read_session(engine) as session:
        marks = {a.user_id: (a.status, a.hours, a.version, a.course_starts_at) for a in session.scalars(select(Attendance))}
        # New marks go in through the driver: their times must read back as the ORM writes them.
        added = session.scalar(select(Attendance).where(Attendance.user_id == supervisor.id))
        assert (added.recorded_at, added.recorded_by) == (datetime(2026, 11, 20, 12, 30, 15, 123456), trainer.id)
        events = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "roster_save"))
    assert marks == {worker.id: ("present", 3.0, 2, datetime(2026, 11, 20, 9, 0)),
                     supervisor.id: ("excused", 0.0, 1, datetime(2026, 11, 20, 9, 0))}
    assert events == 2


def test_hours_follow_a_course_moved_to_another_period(engine):
    world = make_world(engine)
    trainer, worker = world.actors["trainer"], world.actors["worker"]
    row = course(engine, trainer, datetime(2025, 12, 31, 9, 0), hours=5)
    attend(engine, trainer, row, worker.id)

    def hours_in_2026() -> float:
        with read_session(engine) as session:
            return training.my_record(session, worker, today=date(2026, 3, 1))["this_year"]

    assert hours_in_2026() == 0.0
    with write_session(engine) as session:  # the copy on attendance follows the course (trigger)
        session.execute(update(Course).where(Course.id == row.id).values(
            starts_at=datetime(2026, 1, 2, 9, 0), ends_at=datetime(2026, 1, 2, 12, 0))
            .execution_options(synchronize_session=False))
    assert hours_in_2026() == 5.0


def test_migration_copies_each_course_start_onto_existing_attendance(fresh_database_url):
    from db import migrate
    from db.engine import make_engine

    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0004")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, active,"
                " language, created_at, version) VALUES (1, 'a', 'A', 'trainer', 'x', false, true, 'zh-CN',"
                " :at, 1)"), {"at": datetime(2026, 1, 1)})
            connection.execute(text(
                "INSERT INTO courses (id, title, topic, trainer_id, starts_at, ends_at, credit_hours, created_at)"
                " VALUES (7, 't', 'x', 1, :starts, :ends, 2, :starts)"),
                {"starts": datetime(2026, 3, 31, 14, 0), "ends": datetime(2026, 3, 31, 16, 0)})
            connection.execute(text(
                "INSERT INTO attendance (course_id, user_id, status, hours, recorded_by, recorded_at)"
                " VALUES (7, 1, 'present', 2, 1, :at)"), {"at": datetime(2026, 3, 31, 16, 0)})
        migrate.upgrade(engine)
        with read_session(engine) as session:
            assert session.scalars(select(Attendance.course_starts_at)).all() == [datetime(2026, 3, 31, 14, 0)]
    finally:
        engine.dispose()


def test_chart_of_hours_by_month_and_topic_is_stacked_and_small():
    import json


    months = [f"2026-{m:02d}" for m in range(1, 13)]
    topics = ["调解", "政策法规"]
    rows = [{"month": m, "topic": topic, "hours": 0.0 if m == "2026-05" else 2.5 + i}
            for m in months for i, topic in enumerate(topics)]
    spec = training_charts.training_hours_by_month_and_topic(rows, month_title="月份", hours_title="学时", topic_title="主题",
                                                   other_label="其他").to_dict()
    encoding = spec["encoding"]
    assert (encoding["x"]["field"], encoding["x"]["type"], encoding["x"]["scale"]["domain"]) == ("month", "nominal",
                                                                                              months)
    assert (encoding["y"]["aggregate"], encoding["y"]["field"]) == ("sum", "hours")
    assert (encoding["color"]["field"], spec["mark"]["type"]) == ("topic", "bar")
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 22  # 11 months x 2 topics: May had no hours, yet stays on the axis
    # Free-text topics, many and long: the smaller ones fold into "other", and the spec stays small.
    long_topics = [f"社区矛盾纠纷调解实务与案例分析专题培训第{i}期" * 2 for i in range(20)]
    many = [{"month": m, "topic": topic, "hours": 100.0 + i} for m in months for i, topic in enumerate(long_topics)]
    chart = training_charts.training_hours_by_month_and_topic(many, month_title="月份", hours_title="学时", topic_title="主题",
                                                     other_label="其他")
    data = next(iter(chart.to_dict()["datasets"].values()))
    assert len({row["topic"] for row in data}) == 6 and "其他" in {row["topic"] for row in data}
    assert len(json.dumps(chart.to_dict())) <= 10_000  # inline JSON; Streamlit sends the rows as Arrow, smaller


def test_roster_refuses_zero_hours_for_present_and_people_not_on_the_staff_list(engine):
    world = make_world(engine)
    trainer = world.actors["trainer"]
    worker, supervisor = world.actors["worker"].id, world.actors["supervisor"].id
    row = course(engine, trainer, datetime(2026, 11, 20, 9, 0), participants=[worker, supervisor])
    with read_session(engine) as session:
        _, version = training.load_roster(session, trainer, row.id)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            training.save_roster(session, trainer, row.id, version, [
                RosterEntry(worker, "present", 0), RosterEntry(supervisor, "late", "0"),
                RosterEntry(987654, "present", 3), RosterEntry(worker, "absent", 0)])
    assert [(e.field, e.key) for e in refused.value.errors] == [
        ("row_1", "error.hours.zero_for_present"), ("row_2", "error.hours.zero_for_present"),
        ("row_3", "error.course.unknown_participant")]
    with read_session(engine) as session:
        assert session.scalars(select(Attendance)).all() == []
        assert training.load_roster(session, trainer, row.id)[1] == version  # not bumped


def test_a_course_credits_at_most_its_length():
    assert training.session_hours(datetime(2026, 11, 20, 9, 0), datetime(2026, 11, 20, 12, 30)) == 3.5
    assert training.session_hours(datetime(2026, 11, 20, 9, 0), datetime(2026, 11, 22, 12, 0)) == 51
    assert training.session_hours(datetime(2026, 11, 20, 23, 0), datetime(2026, 11, 21, 1, 0)) == 2


def test_a_cleared_or_not_a_number_hours_cell_is_refused_at_its_row(engine):
    world = make_world(engine)
    trainer = world.actors["trainer"]
    worker = world.actors["worker"].id
    row = course(engine, trainer, datetime(2026, 11, 20, 9, 0), participants=[worker])
    with read_session(engine) as session:
        _, version = training.load_roster(session, trainer, row.id)
    for cleared in (float("nan"), "nan", "inf"):
        with pytest.raises(InvalidMany) as refused:
            with write_session(engine) as session:
                training.save_roster(session, trainer, row.id, version, [RosterEntry(worker, "present", cleared)])
        assert [(e.field, e.key) for e in refused.value.errors] == [("row_1", "error.hours.format")]
    with read_session(engine) as session:
        assert session.scalars(select(Attendance)).all() == []
    with write_session(engine) as session:  # marked present with no hours given: the course's hours
        training.save_roster(session, trainer, row.id, version, [RosterEntry(worker, "present", None)])
    with read_session(engine) as session:
        assert [(a.status, a.hours) for a in session.scalars(select(Attendance))] == [("present", 3.0)]
