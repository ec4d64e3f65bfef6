"""Special groups and phones on the screens: the grid worker sees sensitive groups and calls with
one tap (audited); the admin sees the resident without them and never the number; opening a
重点人员's detail is audited once per opening."""

from datetime import datetime

from sqlalchemy import func, select

from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from db.models import AuditEvent, Resident, resident_tags
from tests.app.conftest import login, new_app, open_url, texts
from tests.app.test_residents_screens import everything_rendered, pick_first_row
from tests.factories import make_resident_id, register, vault_for_tests

VAULT = vault_for_tests()


def seed(app_world) -> int:  # noqa: ANN001
    """刘大爷 of grid 1: 独居, 低保 and 社区矫正, with a phone; registered in 2025, never visited
    (so due on the round)."""
    world = app_world.world
    with write_session(app_world.engine) as session:
        return register(session, world.actors["worker"], VAULT, ResidentForm(
            name="刘大爷", id_number=make_resident_id("19550505", "031"), phone="13912345678",
            grid_id=world.grid_ids[0], address="和平里小区5号楼1单元201",
            tags=["elderly_alone", "dibao", "community_correction"]), now=datetime(2025, 1, 1, 9)).id


def audited(app_world, action: str) -> int:  # noqa: ANN001
    with read_session(app_world.engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0


def test_the_grid_worker_sees_the_groups_and_calls_with_one_tap(app_world):
    resident_id = seed(app_world)
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)
    at.run()
    shown = everything_rendered(at)
    assert "低保" in shown and "社区矫正对象" in shown
    assert audited(app_world, "resident_restricted_view") == 1  # the detail opened
    assert "13912345678" not in shown and not at.link_button
    at.button(key=f"resident_phone_{resident_id}").click().run()
    assert [(b.value, b.proto.url) for b in at.link_button] == [("拨打 13912345678", "tel:13912345678")]
    assert audited(app_world, "phone_reveal") == 1
    at.run()  # a rerun of the open detail is no new opening
    assert audited(app_world, "resident_restricted_view") == 1


def test_the_admin_sees_the_resident_without_sensitive_groups_or_a_phone(app_world):
    resident_id = seed(app_world)
    at = open_url(login(new_app(), "admin1"), "residents")
    tag_filter = next(s for s in at.selectbox if s.label == "人员类别")
    assert "低保" not in tag_filter.options and "高龄老人" in tag_filter.options
    pick_first_row(at)
    at.run()
    shown = everything_rendered(at)
    assert "独居老人" in shown
    assert not any(word in shown for word in ("低保", "社区矫正", "13912345678"))
    assert not [b for b in at.button if b.key == f"resident_phone_{resident_id}"]
    assert audited(app_world, "resident_restricted_view") == 0
    edit_tags = next(m for m in at.multiselect if m.key.startswith(f"edit_{resident_id}_v"))
    assert edit_tags.value == ["elderly_alone"] and "dibao" not in edit_tags.options
    next(w for w in at.text_area if w.key.startswith(f"edit_{resident_id}_v")).input("子女每周来看望")
    at.button(key=f"save_resident_{resident_id}").click().run()
    assert "已保存 刘大爷" in texts(at)
    with read_session(app_world.engine) as session:  # the groups the admin never saw are kept
        assert sorted(session.scalars(select(resident_tags.c.tag).where(resident_tags.c.resident_id == resident_id))) \
            == ["community_correction", "dibao", "elderly_alone"]
        assert session.get(Resident, resident_id).notes == "子女每周来看望"


def test_a_group_the_age_rules_out_is_refused_by_name_on_the_form(app_world):
    at = open_url(login(new_app(), "worker1"), "resident-new")
    at.text_input(key="new_resident_name").input("小明")
    at.text_input(key="new_resident_id").input(make_resident_id("19900101", "051"))
    tags = next(m for m in at.multiselect if m.key.startswith("new_resident"))
    tags.select("left_behind_child")
    at.button(key="resident_new_submit").click().run()
    assert "留守儿童须未满18周岁" in "\n".join(e.value for e in at.error)
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 0


def test_the_round_offers_a_call_to_its_worker(app_world):
    resident_id = seed(app_world)
    at = open_url(login(new_app(), "worker1"), "round")
    at.button(key=f"round_call_{resident_id}").click().run()
    assert [b.proto.url for b in at.link_button] == ["tel:13912345678"]
    assert audited(app_world, "phone_reveal") == 1


def test_a_worker_gives_the_household_its_head_and_the_residents_hukou(app_world):
    world = app_world.world
    with write_session(app_world.engine) as session:
        for name, seq, relation in (("张伟", "011", "户主"), ("李娜", "022", "配偶")):
            register(session, world.actors["worker"], VAULT, ResidentForm(
                name=name, id_number=make_resident_id("19700101", seq), grid_id=world.grid_ids[0],
                address="和平里小区3号楼2单元301", relation=relation))
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)  # newest first: 李娜
    at.run()
    assert "**户主**：张伟" in texts(at)
    li_na = int(next(k for k in at.session_state if str(k).startswith("resident_version_")).split("_")[-1])
    with read_session(app_world.engine) as session:
        household_id = session.get(Resident, li_na).household_id
    at.selectbox(key=f"household_head_pick_{household_id}").select(li_na)
    at.button(key=f"FormSubmitter:household_head_{household_id}-设为户主").click().run()
    assert "已将 李娜 设为户主。" in texts(at) and "**户主**：李娜" in texts(at)
    hukou = next(s for s in at.selectbox if s.label == "户籍类型" and s.key.startswith(f"edit_{li_na}_v"))
    hukou.select("non_local")
    at.button(key=f"save_resident_{li_na}").click().run()
    assert "**户籍类型**：常住非户籍" in texts(at)
    with read_session(app_world.engine) as session:
        assert session.get(Resident, li_na).hukou == "non_local"


def test_a_resident_of_80_or_more_is_listed_as_oldest_old(app_world):
    world = app_world.world
    with write_session(app_world.engine) as session:
        register(session, world.actors["worker"], VAULT, ResidentForm(
            name="王秀兰", id_number=make_resident_id("19440101", "801"), grid_id=world.grid_ids[0],
            address="幸福里3号楼1单元101", tags=["elderly_alone"]))
    at = open_url(login(new_app(), "worker1"), "residents")
    assert not at.exception
    assert list(at.dataframe[0].value["人员类别"]) == ["独居老人、高龄老人"]
    next(s for s in at.selectbox if s.label == "人员类别").select("oldest_old").run()
    assert list(at.dataframe[0].value["姓名"]) == ["王秀兰"]
