"""Community activities on both databases: planning and its refusals, scope, sign-ups with a
capacity and a waiting list, postponing and cancelling, walk-ins and attendance."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.activities import service as activities
from core.activities.service import ActivityInput
from core.base.errors import Forbidden, Invalid, InvalidMany, NotFound
from core.base.permissions import Actor
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from db.models import Activity, ActivityCategory, ActivityParticipant, AuditEvent
from tests.factories import another_worker, make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
NOW = datetime(2026, 12, 1, 9, 0)
STARTS = datetime(2026, 12, 10, 14, 0)


def category(engine, name="老年人关怀"):
    with read_session(engine) as session:
        return session.scalar(select(ActivityCategory.id).where(ActivityCategory.name == name))


def plan(engine, actor, grid_id, **changes):
    values = {"title": "重阳节慰问", "category_id": category(engine), "starts_at": STARTS,
              "ends_at": STARTS + timedelta(hours=2), "place": "居委会活动室", "grid_ids": [grid_id],
              "target_groups": ["elderly_alone"], "capacity": 2}
    values.update(changes)
    with write_session(engine) as session:
        return activities.create(session, actor, ActivityInput(**values), now=NOW).id


def residents_of(engine, actor, grid_id, count, born="19450101"):
    ids = []
    with write_session(engine) as session:
        for index in range(count):
            ids.append(register(session, actor, VAULT, ResidentForm(
                name=f"老人{index}", id_number=make_resident_id(born, f"{500 + index:03d}"), grid_id=grid_id,
                address=f"和平里小区{index + 1}号楼101", phone="13900001111", tags=["elderly_alone"])).id)
    return ids


def counts(engine):
    with read_session(engine) as session:
        return (session.scalar(select(func.count()).select_from(Activity)),
                session.scalar(select(func.count()).select_from(ActivityParticipant)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


def test_a_bad_plan_is_refused_field_by_field_and_nothing_is_written(engine):
    world = make_world(engine)
    before = counts(engine)
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        activities.create(session, world.actors["worker"], ActivityInput(
            title=" ", category_id=category(engine), starts_at=STARTS, ends_at=STARTS - timedelta(hours=1),
            capacity="0", grid_ids=[world.other_grid_id]), now=NOW)
    assert sorted((e.field, e.key) for e in refused.value.errors) == [
        ("activity_title", "error.required"), ("capacity", "error.activity.capacity"),
        ("ends_at", "error.activity.ends_before_start"), ("grids", "error.grid.not_yours")]
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        activities.create(session, world.actors["worker"], ActivityInput(
            title="医保缴费宣传", category_id=category(engine, "政策宣传"), starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=1), grid_ids=[world.grid_ids[0]]), now=NOW)
    assert [(e.field, e.key) for e in refused.value.errors] == [("topic", "error.activity.topic_required")]
    assert counts(engine) == before
    with write_session(engine) as session, pytest.raises(Forbidden):  # accounts and settings, not activities
        activities.create(session, world.actors["admin"], ActivityInput(), now=NOW)


def test_a_sensitive_target_group_is_for_those_who_see_it(engine):
    """PIPL arts. 28, 31: a worker of grid 2 may not aim an activity at grid 1's 低保 residents."""
    world = make_world(engine)
    plan(engine, world.actors["worker"], world.grid_ids[0], target_groups=["dibao", "left_behind_child"])
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        activities.create(session, another_worker(engine, world), ActivityInput(
            title="低保政策宣讲", category_id=category(engine), starts_at=STARTS, ends_at=STARTS + timedelta(hours=1),
            grid_ids=[world.grid_ids[1], world.grid_ids[0]], target_groups=["dibao"]), now=NOW)
    assert {e.field for e in refused.value.errors} == {"grids"}


def test_capacity_fills_then_a_waiting_list_and_a_withdrawal_gives_the_seat_to_the_first_waiting(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    activity_id = plan(engine, worker, world.grid_ids[0], capacity=2)
    people = residents_of(engine, worker, world.grid_ids[0], 4)
    with write_session(engine) as session:
        states = [activities.sign_up(session, worker, activity_id, rid, now=NOW + timedelta(minutes=i)).state
                  for i, rid in enumerate(people)]
    assert states == ["signed_up", "signed_up", "waiting", "waiting"]
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        activities.sign_up(session, worker, activity_id, people[0], now=NOW)
    assert (refused.value.field, refused.value.key) == ("resident", "error.activity.already_signed_up")
    with write_session(engine) as session:
        first = next(p for p in activities.participants(session, worker, activity_id) if p["resident_id"] == people[0])
        activities.withdraw(session, worker, activity_id, first["id"], now=NOW)
    with read_session(engine) as session:
        listed = {p["resident_id"]: p["state"] for p in activities.participants(session, worker, activity_id)}
    assert listed == {people[0]: "withdrawn", people[1]: "signed_up", people[2]: "signed_up", people[3]: "waiting"}
    with write_session(engine) as session, pytest.raises(Invalid) as refused:  # sign-ups close at the start
        activities.sign_up(session, worker, activity_id, residents_of(engine, worker, world.grid_ids[0], 1,
                                                                      born="19400101")[0], now=STARTS)
    assert refused.value.key == "error.activity.sign_up_closed"


def test_a_worker_sees_the_activities_of_their_grids_and_those_they_organise(engine):
    world = make_world(engine)
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    mine = plan(engine, worker, world.grid_ids[0])
    theirs = plan(engine, supervisor, world.grid_ids[1], title="第二网格读书会", target_groups=[])
    helper = another_worker(engine, world)
    organised = plan(engine, supervisor, world.grid_ids[0], title="社区义诊", organiser_ids=[helper.id])
    people = residents_of(engine, worker, world.grid_ids[0], 2)
    with read_session(engine) as session:
        assert [a["id"] for a in activities.listing(session, worker)] == [mine, organised]
        assert [a["id"] for a in activities.listing(session, helper)] == [theirs, organised]
        assert {a["id"] for a in activities.listing(session, supervisor)} == {mine, theirs, organised}
        with pytest.raises(NotFound):
            activities.detail(session, worker, theirs)
        # the organiser from grid 2 sees the activity, but no resident of grid 1 to invite
        assert activities.candidates(session, helper, organised) == []
        assert [c["id"] for c in activities.candidates(session, worker, organised)] == sorted(people)
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        activities.sign_up(session, helper, organised, people[0], now=NOW)
    assert refused.value.key == "error.activity.resident_not_yours"


def one_activity(engine, people):
    """An activity of grid 1 planned by its worker, and `people` residents of grid 1 for it."""
    world = make_world(engine)
    worker = world.actors["worker"]
    return worker, plan(engine, worker, world.grid_ids[0]), residents_of(engine, worker, world.grid_ids[0], people)


def test_postponing_needs_a_reason_and_a_later_start_and_cancelling_lists_who_to_call_back(engine):
    worker, activity_id, people = one_activity(engine, 1)
    with write_session(engine) as session:
        activities.sign_up(session, worker, activity_id, people[0], now=NOW)
        version = session.get(Activity, activity_id).version
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        activities.postpone(session, worker, activity_id, version, STARTS + timedelta(days=7),
                            STARTS + timedelta(days=7, hours=2), " ", now=NOW)
    assert [(e.field, e.key) for e in refused.value.errors] == [("change_reason", "error.required")]
    with write_session(engine) as session:
        activities.postpone(session, worker, activity_id, version, STARTS + timedelta(days=7),
                            STARTS + timedelta(days=7, hours=2), "活动室维修", now=NOW)
    with write_session(engine) as session:
        version = session.get(Activity, activity_id).version
        call_back = activities.cancel(session, worker, activity_id, version, "讲师生病", now=NOW)
    assert [(p["name"], p["phone_masked"]) for p in call_back] == [("老人0", "139****1111")]
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        activities.sign_up(session, worker, activity_id, people[0], now=NOW)
    assert refused.value.key == "error.activity.cancelled"


def test_walk_ins_and_attendance_are_taken_until_a_week_after(engine):
    worker, activity_id, people = one_activity(engine, 3)
    on_the_day = STARTS + timedelta(minutes=30)
    with write_session(engine) as session:
        signed = activities.sign_up(session, worker, activity_id, people[0], now=NOW).id
        activities.sign_up(session, worker, activity_id, people[1], now=NOW)
        with pytest.raises(Invalid) as refused:
            activities.walk_in(session, worker, activity_id, resident_id=people[2], now=NOW)
        assert refused.value.key == "error.activity.not_started"
        activities.walk_in(session, worker, activity_id, resident_id=people[2], now=on_the_day)
        with pytest.raises(InvalidMany) as refused:
            activities.walk_in(session, worker, activity_id, name="路人甲", phone="12345", now=on_the_day)
        assert [(e.field, e.key) for e in refused.value.errors] == [("phone", "error.phone.format")]
        activities.walk_in(session, worker, activity_id, name="路人甲", phone="13700001111", now=on_the_day)
        assert activities.mark_attendance(session, worker, activity_id, {signed}, now=on_the_day) == 1
    with read_session(engine) as session:
        came = [(p["name"], p["walk_in"], p["registered"]) for p in activities.participants(session, worker, activity_id)
                if p["attended"]]
    assert came == [("老人0", False, True), ("老人2", True, True), ("路人甲", True, False)]
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        activities.mark_attendance(session, worker, activity_id, set(), now=STARTS + timedelta(days=8))
    assert refused.value.key == "error.activity.attendance_closed"


def test_an_open_event_counts_heads_and_outreach_its_reach(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    activity_id = plan(engine, worker, world.grid_ids[0], title="反诈宣传进广场", category_id=category(engine, "政策宣传"),
                       topic="反诈", open_event=True, capacity=None, target_groups=[])
    with write_session(engine) as session:
        with pytest.raises(InvalidMany) as refused:
            activities.record_count(session, worker, activity_id, head_count="-3", now=STARTS)
        assert [(e.field, e.key) for e in refused.value.errors] == [("head_count", "error.activity.count")]
        activities.record_count(session, worker, activity_id, head_count=120, reach="300", now=STARTS)
    with read_session(engine) as session:
        shown = activities.detail(session, worker, activity_id)
    assert (shown["head_count"], shown["reach"], shown["topic"]) == (120, 300, "反诈")


def test_an_attended_activity_is_on_the_residents_timeline_for_those_who_see_it(engine):
    worker, activity_id, people = one_activity(engine, 2)
    with write_session(engine) as session:
        listed = [activities.sign_up(session, worker, activity_id, rid, now=NOW).id for rid in people]
        activities.mark_attendance(session, worker, activity_id, {listed[0]}, now=STARTS)
    with read_session(engine) as session:
        assert [(e["title"], e["day"]) for e in activities.attended_by(session, worker, people[0])] == [
            ("重阳节慰问", STARTS.date())]
        assert activities.attended_by(session, worker, people[1]) == []  # signed up, did not come
        admin = Actor(id=worker.id, username="admin1", role="admin", community_id=worker.community_id,
                      grid_ids=worker.grid_ids)
        assert activities.attended_by(session, admin, people[0]) == []  # accounts and settings only


def test_the_call_list_has_full_phones_of_ones_own_grids_only_and_is_audited(engine):
    world = make_world(engine)
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    colleague = another_worker(engine, world)
    mine = residents_of(engine, worker, world.grid_ids[0], 1)[0]
    theirs = residents_of(engine, supervisor, world.grid_ids[1], 1, born="19440101")[0]
    activity_id = plan(engine, supervisor, world.grid_ids[0], grid_ids=[world.grid_ids[0], world.grid_ids[1]],
                       organiser_ids=[worker.id, colleague.id], capacity=None)
    with write_session(engine) as session:
        for resident_id in (mine, theirs):
            activities.sign_up(session, supervisor, activity_id, resident_id, now=NOW)
        activities.walk_in(session, supervisor, activity_id, name="路人甲", phone="13700001111", now=STARTS)
    with write_session(engine) as session:
        assert activities.call_list(session, worker, activity_id) == [
            ["老人0", "13900001111", "第一网格", "signed_up"], ["路人甲", "13700001111", "", "signed_up"]]
        assert [row[0] for row in activities.call_list(session, colleague, activity_id)] == ["老人0", "路人甲"]
        data, count = activities.call_list_file(session, worker, activity_id, "csv", "zh-CN")
    assert count == 2
    assert data.decode("utf-8-sig").splitlines()[:2] == ["姓名,联系电话,网格,报名状态", "老人0,13900001111,第一网格,已报名"]
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "activity_call_list")) == 3


def test_an_edit_keeps_the_signed_up_and_a_larger_capacity_seats_those_waiting(engine):
    worker, activity_id, people = one_activity(engine, 3)
    with write_session(engine) as session:
        for rid in people:
            activities.sign_up(session, worker, activity_id, rid, now=NOW)
    with read_session(engine) as session:
        shown = activities.detail(session, worker, activity_id)
    form = ActivityInput(title="重阳节慰问（改期前）", category_id=shown["category_id"], starts_at=shown["starts_at"],
                         ends_at=shown["ends_at"], grid_ids=shown["grid_ids"], target_groups=shown["target_groups"],
                         organiser_ids=list(shown["organisers"]), capacity="1")
    with write_session(engine) as session, pytest.raises(Invalid) as refused:  # two are signed up, one waits
        activities.update(session, worker, activity_id, shown["version"], form, now=NOW)
    assert (refused.value.field, refused.value.key, refused.value.params) == (
        "capacity", "error.activity.capacity_below_signed_up", {"count": 2})
    form.capacity = "3"
    with write_session(engine) as session:
        activities.update(session, worker, activity_id, shown["version"], form, now=NOW)
    with read_session(engine) as session:
        assert activities.detail(session, worker, activity_id)["title"] == "重阳节慰问（改期前）"
        assert [p["state"] for p in activities.participants(session, worker, activity_id)] == ["signed_up"] * 3


def test_an_organiser_from_another_grid_changes_only_their_own_grids(engine):
    world = make_world(engine)
    supervisor = world.actors["supervisor"]
    helper = another_worker(engine, world)  # grid 2
    activity_id = plan(engine, supervisor, world.grid_ids[0], target_groups=["disabled"], organiser_ids=[helper.id])
    with read_session(engine) as session:
        shown = activities.detail(session, helper, activity_id)
    assert shown["target_groups"] == []  # 残疾人 of grid 1 is not theirs to see
    form = ActivityInput(title="助残日活动", category_id=shown["category_id"], starts_at=shown["starts_at"],
                         ends_at=shown["ends_at"], grid_ids=[world.other_grid_id], target_groups=[],
                         organiser_ids=list(shown["organisers"]))
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        activities.update(session, helper, activity_id, shown["version"], form, now=NOW)
    assert [(e.field, e.key) for e in refused.value.errors] == [("grids", "error.grid.not_yours")]
    form.grid_ids = [world.grid_ids[1]]  # their form shows their own grid only: grid 1 was never on it
    with write_session(engine) as session:
        activities.update(session, helper, activity_id, shown["version"], form, now=NOW)
    with read_session(engine) as session:
        now_shown = activities.detail(session, supervisor, activity_id)
    assert (now_shown["title"], now_shown["grid_ids"], now_shown["target_groups"]) == (
        "助残日活动", sorted(world.grid_ids), ["disabled"])


def test_the_attendance_window_is_a_setting(engine):
    worker, activity_id, people = one_activity(engine, 1)
    with write_session(engine) as session:
        signed = activities.sign_up(session, worker, activity_id, people[0], now=NOW).id
    nine_days_after = STARTS + timedelta(days=9)
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        activities.mark_attendance(session, worker, activity_id, {signed}, now=nine_days_after)
    assert (refused.value.key, refused.value.params) == ("error.activity.attendance_closed", {"days": 7})
    with write_session(engine) as session:
        assert activities.mark_attendance(session, worker, activity_id, {signed}, attendance_days=10,
                                          now=nine_days_after) == 1
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        activities.walk_in(session, worker, activity_id, name="路人乙", phone="13700002222", attendance_days=0,
                           now=STARTS + timedelta(hours=3))
    assert (refused.value.key, refused.value.params) == ("error.activity.attendance_closed", {"days": 0})
