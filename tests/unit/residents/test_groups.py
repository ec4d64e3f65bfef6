"""Special groups and phones on both databases: who sees the sensitive groups (PIPL arts. 28, 31),
重点人员 audited on opening, 高龄老人 from age, groups refused against the age, and the one phone rule."""

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.base import audit
from core.base.errors import Forbidden, Invalid, InvalidMany
from core.mediation import service as mediations
from core.mediation.service import CaseInput, PartyInput
from core.residents import history as resident_history
from core.residents import imports
from core.residents import service as residents
from core.residents.service import Filters, ResidentForm
from core.visits import service as visits
from core.visits.rules import proposed_tier
from db.engine import read_session, write_session
from db.models import AuditEvent, DisputeType, Resident, resident_tags
from tests.factories import another_worker, make_resident_id, make_world, register, save, vault_for_tests

VAULT = vault_for_tests()
TODAY = date(2026, 12, 6)
SENSITIVE_WORDS = ("disabled", "dibao", "destitute", "left_behind_child", "child_in_difficulty",
                   "community_correction", "post_release", "severe_mental_disorder", "drug_user")


def add(engine, actor, grid_id, *, born="19500101", seq="011", tags=("elderly_alone", "dibao"), phone="13812345678",
        name="张伟"):
    form = ResidentForm(name=name, id_number=make_resident_id(born, seq), phone=phone, grid_id=grid_id,
                        address="和平里小区3号楼2单元301", tags=list(tags))
    with write_session(engine) as session:
        return register(session, actor, VAULT, form).id


def events(engine, action):
    with read_session(engine) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def stored_tags(engine, resident_id):
    with read_session(engine) as session:
        return sorted(session.scalars(select(resident_tags.c.tag).where(resident_tags.c.resident_id == resident_id)))


def test_only_the_grid_worker_and_the_supervisor_see_sensitive_groups(engine):
    """PIPL arts. 28, 31: disability, 低保/特困, minors' groups and 重点人员 are sensitive."""
    world = make_world(engine)
    worker, supervisor, admin = (world.actors[role] for role in ("worker", "supervisor", "admin"))
    resident_id = add(engine, worker, world.grid_ids[0], tags=("elderly_alone", "dibao", "community_correction"))
    with read_session(engine) as session:
        for who in (worker, supervisor):
            assert residents.detail(session, who, resident_id)["tags"] == ["community_correction", "dibao",
                                                                           "elderly_alone"]
        shown_to_admin = residents.detail(session, admin, resident_id)
        assert shown_to_admin["tags"] == ["elderly_alone"]
        assert residents.search(session, admin, VAULT, Filters()).rows[0]["tags"] == ["elderly_alone"]
        with pytest.raises(Forbidden):  # filtering by a sensitive group would tell it as well
            residents.search(session, admin, VAULT, Filters(tag="dibao"))
        assert "dibao" not in residents.filter_tags(admin) and "dibao" in residents.filter_tags(worker)
        history = resident_history.changes(session, admin, resident_id)
        assert all("dibao" not in (change.after or []) for change in history if change.field == "tags")
    with write_session(engine) as session:
        exported = residents.export_rows(session, admin, VAULT, Filters())
        assert exported[0][residents.EXPORT_COLUMNS.index("tags")] == ["elderly_alone"]
    with read_session(engine) as session:  # the audit trail an admin reads drops them too
        trail = audit.list_events(session, admin, audit.AuditFilter(action="resident_create")).rows
        assert json.loads(trail[0]["after"])["tags"] == ["elderly_alone"]
        trail = audit.list_events(session, supervisor, audit.AuditFilter(action="resident_create")).rows
        assert "dibao" in json.loads(trail[0]["after"])["tags"]


def test_an_admin_edit_keeps_the_groups_it_cannot_see_and_may_not_set_them(engine):
    world = make_world(engine)
    worker, admin = world.actors["worker"], world.actors["admin"]
    resident_id = add(engine, worker, world.grid_ids[0], tags=("elderly_alone", "disabled"))
    with read_session(engine) as session:
        form, version = residents.edit_form(session, admin, VAULT, resident_id)
    assert form.tags == ["elderly_alone"]
    form.notes, form.tags = "腿脚不便", []
    with write_session(engine) as session:
        save(session, admin, VAULT, resident_id, version,
             residents.keep_hidden_values(session, admin, VAULT, resident_id, form))
    assert stored_tags(engine, resident_id) == ["disabled"]  # the open one removed, the hidden one kept
    form.tags = ["dibao"]
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        save(session, admin, VAULT, resident_id, version + 1,
             residents.keep_hidden_values(session, admin, VAULT, resident_id, form))
    assert (refused.value.field, refused.value.key) == ("tags", "error.tag.sensitive_not_yours")
    with pytest.raises(Invalid) as refused:
        add(engine, admin, world.grid_ids[0], seq="021", tags=("disabled",))
    assert refused.value.field == "tags"
    assert stored_tags(engine, resident_id) == ["disabled"]
    with read_session(engine) as session:
        assert session.scalar(select(Resident.id).where(Resident.id != resident_id)) is None


def test_an_admin_import_with_sensitive_groups_is_refused_by_line(engine):
    world = make_world(engine)
    roster = ("姓名,身份证号,联系电话,网格,住址,人员类别\n"
              f"王芳,{make_resident_id('19500202', '022')},13900001111,第一网格,和平里小区1号楼101,独居老人\n"
              f"李强,{make_resident_id('19600303', '031')},13900002222,第一网格,和平里小区1号楼102,低保\n")
    with write_session(engine) as session:
        report = imports.import_residents(session, world.actors["admin"], VAULT, roster.encode(), "roster.csv",
                                          today=TODAY)
    assert [(p.line, p.field, p.key) for p in report.problems] == [(3, "tags", "error.tag.sensitive_not_yours")]
    assert not report.written
    with write_session(engine) as session:
        report = imports.import_residents(session, world.actors["worker"], VAULT, roster.encode(), "roster.csv",
                                          today=TODAY)
    assert report.written and report.imported == 2


def test_opening_a_restricted_residents_detail_is_audited_for_those_who_see_the_group(engine):
    """重点人员 (社区矫正, 安置帮教, 严重精神障碍, 吸毒人员): once per opening, not on a list."""
    world = make_world(engine)
    worker, supervisor, admin = (world.actors[role] for role in ("worker", "supervisor", "admin"))
    restricted = add(engine, worker, world.grid_ids[0], born="19700101", tags=("post_release",))
    ordinary = add(engine, worker, world.grid_ids[0], born="19700101", seq="021", name="李娜", tags=())
    with read_session(engine) as session:
        residents.search(session, supervisor, VAULT, Filters(tag="post_release"))
        # what the screen reads first, so that most openings write nothing
        assert residents.restricted_seen(session, supervisor, restricted) == {"post_release"}
        assert residents.restricted_seen(session, admin, restricted) == set()
        assert residents.restricted_seen(session, supervisor, ordinary) == set()
    assert events(engine, "resident_restricted_view") == []
    with write_session(engine) as session:
        assert residents.note_opened(session, supervisor, restricted, now=datetime(2026, 12, 6, 9))
        assert not residents.note_opened(session, supervisor, ordinary)
        assert not residents.note_opened(session, admin, restricted)  # the admin does not see the group
        with pytest.raises(Forbidden):
            residents.note_opened(session, world.actors["trainer"], restricted)
    [event] = events(engine, "resident_restricted_view")
    assert (event.actor_username, event.object_id, json.loads(event.after)) == (
        "supervisor1", str(restricted), {"tags": ["post_release"]})


def test_oldest_old_comes_from_age_and_is_refused_by_hand(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    aged = add(engine, worker, world.grid_ids[0], born="19400101", tags=("elderly_alone",))
    add(engine, worker, world.grid_ids[0], born="19600101", seq="021", name="李娜", tags=())
    with read_session(engine) as session:
        assert residents.detail(session, worker, aged, today=TODAY)["tags"] == ["elderly_alone", "oldest_old"]
        found = residents.search(session, worker, VAULT, Filters(tag="oldest_old"), today=TODAY)
        assert [row["id"] for row in found.rows] == [aged]
    with pytest.raises(InvalidMany) as refused:
        add(engine, worker, world.grid_ids[0], born="19300101", seq="031", name="赵老", tags=("oldest_old",))
    assert [(e.field, e.key) for e in refused.value.errors] == [("tags", "error.tag.automatic")]


@pytest.mark.parametrize(("born", "tag", "key"), [
    ("19670101", "elderly_alone", "error.tag.age.elderly_alone"),  # 59 on 2026-12-06
    ("19670101", "empty_nest", "error.tag.age.empty_nest"),
    ("20080101", "left_behind_child", "error.tag.age.left_behind_child"),  # 18
    ("19900101", "child_in_difficulty", "error.tag.age.child_in_difficulty"),
])
def test_groups_the_age_rules_out_are_refused_by_name(born, tag, key):
    """老年人权益保障法 art. 2 (60 and over), 未成年人保护法 art. 2 (under 18)."""
    with pytest.raises(InvalidMany) as refused:
        residents.clean_form(ResidentForm(name="张伟", id_number=make_resident_id(born), phone="", grid_id=1,
                                          tags=[tag]), today=TODAY)
    assert [(e.field, e.key) for e in refused.value.errors] == [("tags", key)]


def test_groups_that_fit_the_age_are_kept():
    for born, tag in (("19660101", "elderly_alone"), ("20090101", "left_behind_child"),
                      ("20150101", "child_in_difficulty")):
        data = residents.clean_form(ResidentForm(name="张伟", id_number=make_resident_id(born), grid_id=1,
                                                 tags=[tag]), today=TODAY)
        assert data.tags == (tag,)


def test_new_groups_put_residents_in_their_visit_tier():
    assert proposed_tier(frozenset({"destitute"}), 45) == "key"  # 分散供养特困
    assert proposed_tier(frozenset({"child_in_difficulty"}), 9) == "child"
    assert proposed_tier(frozenset({"veteran"}), 70) is None


def test_a_phone_is_shown_with_one_tap_to_the_grid_worker_and_supervisor_only(engine):
    world = make_world(engine)
    worker, supervisor, admin = (world.actors[role] for role in ("worker", "supervisor", "admin"))
    resident_id = add(engine, worker, world.grid_ids[0])
    mediator = another_worker(engine, world)
    with write_session(engine) as session:
        assert residents.phone_number(session, worker, resident_id) == "13812345678"
        assert residents.phone_number(session, supervisor, resident_id) == "13812345678"
        for who in (admin, mediator, world.actors["trainer"]):
            with pytest.raises(Forbidden):
                residents.phone_number(session, who, resident_id)
        with pytest.raises(Invalid):  # a phone is not revealed with a reason any more: one rule
            residents.reveal(session, supervisor, VAULT, resident_id, "phone", "回访核对")
    assert [e.actor_username for e in events(engine, "phone_reveal")] == ["worker1", "supervisor1"]
    with read_session(engine) as session:
        assert residents.detail(session, supervisor, resident_id)["phone_masked"] == "138****5678"
    with write_session(engine) as session:
        with pytest.raises(Forbidden):  # a full export stays the supervisor's
            residents.export_rows(session, admin, VAULT, Filters(), full=True)
        assert residents.export_rows(session, admin, VAULT, Filters())[0][5] == "138****5678"


def test_a_mediator_from_another_grid_sees_the_party_without_groups_phone_or_visits(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    resident_id = add(engine, worker, world.grid_ids[0], tags=("disabled", "elderly_alone"))
    mediator = another_worker(engine, world)
    with write_session(engine) as session:
        visits.record(session, worker, visits.VisitInput(resident_id=resident_id, method="home",
                                                         visited_on=date.today(), health="poor"))
        type_id = session.scalar(select(DisputeType.id).where(DisputeType.name == "邻里"))
        case = mediations.register(session, world.actors["supervisor"], CaseInput(
            intake_date=date.today().isoformat(), source="application", type_id=type_id, grid_id=world.grid_ids[0],
            facts="楼上漏水", mediator_id=mediator.id,
            parties=[PartyInput(side="applicant", resident_id=resident_id), PartyInput(side="respondent", name="李四")]))
    with read_session(engine) as session:
        shown = mediations.case_detail(session, mediator, case.id)
        text = json.dumps(shown, ensure_ascii=False, default=str)
        assert "13812345678" not in text and "138****5678" in text
        assert not any(word in text for word in (*SENSITIVE_WORDS, "残疾", "poor"))
        with pytest.raises(Forbidden):
            residents.detail(session, mediator, resident_id)
        with pytest.raises(Forbidden):
            visits.timeline(session, mediator, resident_id)
