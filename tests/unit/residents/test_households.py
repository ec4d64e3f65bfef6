"""户籍 status and the household's 户主 on both databases: typed, imported, kept true as members move."""

import csv
import io
import json

import pytest
from sqlalchemy import select

from core.base import audit
from core.base.errors import Forbidden, Invalid, InvalidMany
from core.residents import history as resident_history
from core.residents import imports
from core.residents import service as residents
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from db.models import AuditEvent, Household, Resident
from tests.factories import make_resident_id, make_world, register, save, vault_for_tests

VAULT = vault_for_tests()
HOME = "和平里小区3号楼2单元301"


def add(engine, actor, grid_id, name, seq, *, relation="", hukou="", address=HOME, born="19700101"):
    with write_session(engine) as session:
        return register(session, actor, VAULT, ResidentForm(
            name=name, id_number=make_resident_id(born, seq), grid_id=grid_id, address=address, relation=relation,
            hukou=hukou)).id


def head_of(engine, resident_id):
    with read_session(engine) as session:
        household = session.get(Household, session.get(Resident, resident_id).household_id)
        return household.head_id if household else None


def test_the_hukou_status_is_kept_and_read_from_the_words_people_use(engine):
    world = make_world(engine)
    resident_id = add(engine, world.actors["worker"], world.grid_ids[0], "张伟", "011", hukou="floating")
    with read_session(engine) as session:
        assert residents.detail(session, world.actors["worker"], resident_id)["hukou"] == "floating"
    with read_session(engine) as session:  # the history reads the code as words
        [change] = [c for c in resident_history.changes(session, world.actors["worker"], resident_id)
                    if c.field == "hukou"]
    assert audit.readable_value("zh-CN", "hukou", change.after) == "流动人口"
    assert [residents.hukou_of(word) for word in ("户籍人口", "常住非户籍", "流动人口", "")] == [
        "registered", "non_local", "floating", ""]
    with pytest.raises(InvalidMany) as refused:
        add(engine, world.actors["worker"], world.grid_ids[0], "李娜", "022", hukou="外地")
    assert [(e.field, e.key, e.params) for e in refused.value.errors] == [
        ("hukou", "error.hukou.unknown", {"value": "外地"})]


def test_the_first_member_who_says_huzhu_heads_the_household(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    wife = add(engine, worker, world.grid_ids[0], "李娜", "022", relation="配偶")
    assert head_of(engine, wife) is None
    husband = add(engine, worker, world.grid_ids[0], "张伟", "011", relation="户主")
    add(engine, worker, world.grid_ids[0], "张强", "031", relation="本人")  # the household has its 户主 already
    assert head_of(engine, wife) == husband
    with read_session(engine) as session:
        shown = residents.detail(session, worker, wife)
    assert shown["head"] == "张伟" and [m["name"] for m in shown["members"] if m["is_head"]] == ["张伟"]


def test_a_head_who_moves_to_another_address_no_longer_heads_the_old_household(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    husband = add(engine, worker, world.grid_ids[0], "张伟", "011", relation="户主")
    wife = add(engine, worker, world.grid_ids[0], "李娜", "022", relation="配偶")
    with write_session(engine) as session:
        form, version = residents.edit_form(session, worker, VAULT, husband)
        form.address = "幸福家园1栋1单元101"
        save(session, worker, VAULT, husband, version, residents.keep_hidden_values(session, worker, VAULT, husband, form))
    assert head_of(engine, wife) is None
    assert head_of(engine, husband) == husband  # he heads the household at his new address


def test_a_supervisor_or_the_grid_worker_makes_a_member_head_and_it_is_audited(engine):
    world = make_world(engine)
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    husband = add(engine, worker, world.grid_ids[0], "张伟", "011", relation="户主")
    wife = add(engine, worker, world.grid_ids[0], "李娜", "022", relation="配偶")
    elsewhere = add(engine, worker, world.grid_ids[0], "王芳", "042", address="幸福家园1栋1单元101")
    stranger = add(engine, supervisor, world.grid_ids[1], "赵六", "051", address="和平里小区9号楼101")
    with read_session(engine) as session:
        household_id = session.get(Resident, wife).household_id
    with write_session(engine) as session:
        with pytest.raises(Invalid) as refused:
            residents.set_head(session, worker, household_id, elsewhere)
        assert (refused.value.field, refused.value.key) == ("head", "error.household.head_not_member")
        with pytest.raises(Forbidden):  # the household of a grid that is not theirs
            residents.set_head(session, worker, session.get(Resident, stranger).household_id, stranger)
        residents.set_head(session, worker, household_id, wife)
    assert head_of(engine, husband) == wife
    with read_session(engine) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "household_head"))
    assert (json.loads(event.before), json.loads(event.after)["head"]) == ({"head": "张伟"}, "李娜")
    with write_session(engine) as session:
        moved = session.get(Resident, husband)
        residents.change_status(session, worker, husband, moved.version, "moved_out", "2026-11-01")
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        residents.set_head(session, supervisor, household_id, husband)
    assert refused.value.key == "error.household.head_not_active"


def test_an_import_maps_hukou_and_huzhu_headers(engine):
    world = make_world(engine)
    out = io.StringIO()
    csv.writer(out).writerows([
        ["姓名", "身份证号", "网格", "住址", "与户主关系", "户籍类型"],
        ["李娜", make_resident_id("19720202", "022"), "第一网格", HOME, "配偶", "户籍人口"],
        ["张伟", make_resident_id("19700101", "011"), "第一网格", HOME, "户主", "户籍人口"],
        ["王芳", make_resident_id("19900303", "042"), "第一网格", "幸福家园1栋1单元101", "本人", "流动人口"],
        ["赵六", make_resident_id("19600606", "051"), "第一网格", "幸福家园2栋", "户主", "外星"],
    ])
    with write_session(engine) as session:
        report = imports.import_residents(session, world.actors["worker"], VAULT, out.getvalue().encode(), "r.csv",
                                          allow_partial=True)
    assert [(p.line, p.field, p.key) for p in report.problems] == [(5, "hukou", "error.hukou.unknown")]
    assert report.imported == 3
    with read_session(engine) as session:
        people = {r.name: r for r in session.scalars(select(Resident))}
        heads = {h.address: h.head_id for h in session.scalars(select(Household))}
    assert {name: r.hukou for name, r in people.items()} == {"李娜": "registered", "张伟": "registered",
                                                             "王芳": "floating"}
    assert heads[HOME] == people["张伟"].id and heads["幸福家园1栋1单元101"] == people["王芳"].id
