"""A course changed after it was planned, called off, or joined by people nobody expected."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.base.errors import Forbidden, Invalid, InvalidMany, StaleEdit
from core.training import categories
from core.training import service as training
from core.training.service import CourseInput, RosterEntry
from db.engine import read_session, write_session
from db.models import Attendance, Course, course_participants
from tests.conftest import TEST_COOKIE_KEY
from tests.factories import make_world

STARTS = datetime(2026, 11, 10, 9, 0)


@pytest.fixture
def world(engine):
    return make_world(engine)


def new_course(engine, world, *, mandatory=False, expected=("worker",)):
    with write_session(engine) as session:
        course = training.create_course(session, world.actors["trainer"], CourseInput(
            title="调解实务", topic="调解", starts_at=STARTS, ends_at=STARTS + timedelta(hours=3), credit_hours=3,
            mandatory=mandatory, category_id=categories.SOCIAL_WORK,
            participant_ids=[world.actors[w].id for w in expected]), now=STARTS - timedelta(days=7))
        return course.id


def form(engine, world, course_id):
    with read_session(engine) as session:
        return training.course_form(session, world.actors["trainer"], course_id)


def update(engine, world, course_id, version, **changes):
    data, _ = form(engine, world, course_id)
    for name, value in changes.items():
        setattr(data, name, value)
    with write_session(engine) as session:
        training.update_course(session, world.actors["trainer"], course_id, data, version)


def mark(engine, world, course_id, who, status, hours=None):
    with read_session(engine) as session:
        _, version = training.load_roster(session, world.actors["trainer"], course_id)
    with write_session(engine) as session:
        training.save_roster(session, world.actors["trainer"], course_id, version,
                             [RosterEntry(world.actors[who].id, status, hours)])


def test_a_course_moved_a_day_moves_the_hours_with_it(engine, world):
    course_id = new_course(engine, world)
    mark(engine, world, course_id, "worker", "present")
    _, version = form(engine, world, course_id)
    update(engine, world, course_id, version, starts_at=STARTS + timedelta(days=60),
           ends_at=STARTS + timedelta(days=60, hours=3), title="调解实务 改期", participant_ids=[])
    with read_session(engine) as session:
        course = session.get(Course, course_id)
        row = session.scalar(select(Attendance))
        assert (course.title, row.course_starts_at) == ("调解实务 改期", STARTS + timedelta(days=60))
        roster, _ = training.load_roster(session, world.actors["trainer"], course_id)
    assert [r["status"] for r in roster] == ["present"]  # marked people stay though no longer expected


def test_an_edit_from_a_stale_form_is_refused(engine, world):
    course_id = new_course(engine, world)
    _, version = form(engine, world, course_id)
    update(engine, world, course_id, version, title="第一次修改")
    with pytest.raises(StaleEdit):
        update(engine, world, course_id, version, title="第二次修改")


def test_credit_hours_cannot_go_below_hours_already_recorded(engine, world):
    course_id = new_course(engine, world)
    mark(engine, world, course_id, "worker", "present", 3)
    _, version = form(engine, world, course_id)
    with pytest.raises(InvalidMany) as refused:
        update(engine, world, course_id, version, credit_hours="2")
    assert [e.field for e in refused.value.errors] == ["credit_hours"]
    with read_session(engine) as session:
        assert session.get(Course, course_id).credit_hours == 3


def test_bad_edits_name_their_fields_and_change_nothing(engine, world):
    course_id = new_course(engine, world)
    _, version = form(engine, world, course_id)
    with pytest.raises(InvalidMany) as refused:
        update(engine, world, course_id, version, title=" ", ends_at=STARTS - timedelta(hours=1), category_id=None)
    assert {e.field for e in refused.value.errors} == {"title", "ends_at", "category"}
    with read_session(engine) as session:
        assert session.get(Course, course_id).title == "调解实务"


def test_a_cancelled_course_takes_no_marks_or_check_ins_and_is_not_missed(engine, world):
    course_id = new_course(engine, world, mandatory=True)
    mark(engine, world, course_id, "worker", "excused")
    _, version = form(engine, world, course_id)
    with write_session(engine) as session:
        training.cancel_course(session, world.actors["trainer"], course_id, "讲师临时有事", version)
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0
        assert training.missed_mandatory(session, [world.actors["worker"].id], date(2026, 12, 1)) == {}
        listed = next(c for c in training.list_courses(session, world.actors["trainer"]) if c["id"] == course_id)
        course = session.get(Course, course_id)
    assert listed["cancel_reason"] == "讲师临时有事" and listed["cancelled_at"] is not None
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        training.save_roster(session, world.actors["trainer"], course_id, 99,
                             [RosterEntry(world.actors["worker"].id, "present", None)])
    assert refused.value.key == "error.course.cancelled"
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        training.check_in(session, world.actors["worker"], TEST_COOKIE_KEY,
                          training.checkin_token(TEST_COOKIE_KEY, course), now=STARTS)
    assert refused.value.key == "error.checkin.cancelled"


def test_a_course_that_took_place_is_not_cancelled(engine, world):
    course_id = new_course(engine, world)
    mark(engine, world, course_id, "worker", "late", 1.5)
    _, version = form(engine, world, course_id)
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        training.cancel_course(session, world.actors["trainer"], course_id, "没人来", version)
    assert (refused.value.field, refused.value.params["count"]) == ("course", 1)
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        training.cancel_course(session, world.actors["trainer"], course_id, "  ", version)
    assert refused.value.field == "cancel_reason"


def test_walk_ins_join_the_roster_marked_present(engine, world):
    course_id = new_course(engine, world)
    with read_session(engine) as session:
        _, version = training.load_roster(session, world.actors["trainer"], course_id)
    with write_session(engine) as session:
        new_version = training.add_walk_ins(session, world.actors["trainer"], course_id,
                                            [world.actors["supervisor"].id], version)
    with read_session(engine) as session:
        roster, now_version = training.load_roster(session, world.actors["trainer"], course_id)
        expected = set(session.scalars(select(course_participants.c.user_id)))
    assert now_version == new_version == version + 1
    assert {(r["name"], r["status"], r["hours"]) for r in roster} == {("worker one", None, None),
                                                                      ("supervisor one", "present", 3.0)}
    assert world.actors["supervisor"].id in expected
    with write_session(engine) as session, pytest.raises(StaleEdit):  # a grid loaded before is stale
        training.save_roster(session, world.actors["trainer"], course_id, version,
                             [RosterEntry(world.actors["worker"].id, "present", None)])


def test_walk_ins_already_on_the_roster_or_unknown_are_refused(engine, world):
    course_id = new_course(engine, world)
    for people, key in (([], "error.required"), ([9999], "error.course.unknown_participant"),
                        (["worker"], "error.course.already_on_roster")):
        ids = [world.actors[p].id if isinstance(p, str) else p for p in people]
        with write_session(engine) as session, pytest.raises(Invalid) as refused:
            training.add_walk_ins(session, world.actors["trainer"], course_id, ids, 0)
        assert (refused.value.field, refused.value.key) == ("walk_ins", key)


def test_only_trainers_and_admins_change_courses(engine, world):
    course_id = new_course(engine, world)
    data, version = form(engine, world, course_id)
    for role in ("worker", "supervisor"):
        with write_session(engine) as session:
            with pytest.raises(Forbidden):
                training.update_course(session, world.actors[role], course_id, data, version)
            with pytest.raises(Forbidden):
                training.cancel_course(session, world.actors[role], course_id, "x", version)
            with pytest.raises(Forbidden):
                training.add_walk_ins(session, world.actors[role], course_id, [world.actors["admin"].id], 0)
