"""Admin screens: users, communities and grids, audit — the journeys and their refusals."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.base import clock
from core.base.settings import Settings
from core.office import auth, communities, users
from db.engine import read_session, write_session
from db.models import Community, Grid, User
from tests.app.conftest import login, new_app, open_url, texts
from tests.factories import PASSWORD, ROOT, count, snapshot_counts


def users_screen(app_world):
    return open_url(login(new_app(), "admin1"), "users")


def installation_admin(app_world) -> str:
    """The installation's system administrator."""
    with write_session(app_world.engine) as session:
        users.create_user(session, None, username="root.admin", display_name="系统管理员", role="sysadmin",
                          password=PASSWORD, must_change_password=False)
    return "root.admin"


def street_officer(app_world) -> str:
    """A 街道干部: every community's figures, no community of their own."""
    with write_session(app_world.engine) as session:
        users.create_user(session, None, username="jd.gb", display_name="街道干部", role="street",
                          password=PASSWORD, must_change_password=False)
    return "jd.gb"


def test_admin_creates_a_worker_and_sees_the_one_time_password(app_world):
    at = users_screen(app_world)
    at.text_input(key="new_username").input("Li.Xiuying")
    at.text_input(key="new_display_name").input("李秀英")
    at.selectbox(key="new_role").select("worker")
    at.multiselect(key="new_grids").select(app_world.world.grid_ids[0])
    at.button(key="create_user").click().run()
    assert not at.exception
    assert "已创建用户 li.xiuying" in texts(at)
    one_time = at.code[0].value
    with read_session(app_world.engine) as session:
        user = users.find_by_username(session, "li.xiuying")
        assert user.must_change_password and [g.id for g in user.grids] == [app_world.world.grid_ids[0]]
        assert users.passwords.verify(one_time, user.password_hash)


@pytest.mark.parametrize(
    ("username", "display_name", "message"),
    [
        ("", "某人", "用户名：必填"),
        ("x" * 3, "", "姓名：必填"),
        ("WORKER1", "重名", "用户名：用户名 worker1 已被使用"),
        ("张三丰", "张三丰", "用户名：只能使用小写字母"),
    ],
)
def test_bad_user_input_is_refused_beside_the_field_and_nothing_is_written(app_world, username, display_name, message):
    at = users_screen(app_world)
    before = snapshot_counts(app_world.engine)
    at.text_input(key="new_username").input(username)
    at.text_input(key="new_display_name").input(display_name)
    at.button(key="create_user").click().run()
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert snapshot_counts(app_world.engine) == before


def test_grid_picker_offers_only_the_chosen_communitys_grids(app_world):
    at = open_url(login(new_app(), installation_admin(app_world)), "users")
    before = snapshot_counts(app_world.engine)
    at.text_input(key="new_username").input("cross.grid")
    at.text_input(key="new_display_name").input("跨社区")
    at.selectbox(key="new_community").select(app_world.world.other_community_id).run()
    assert at.multiselect(key="new_grids").options == ["外网格"]
    at.multiselect(key="new_grids").select(app_world.world.other_grid_id).run()
    at.selectbox(key="new_community").select(app_world.world.community_id).run()
    # The picker only offers the chosen community's grids, so the foreign one is dropped, not saved.
    assert at.multiselect(key="new_grids").options == ["第一网格", "第二网格"]
    assert at.multiselect(key="new_grids").value == []
    at.button(key="create_user").click().run()
    with read_session(app_world.engine) as session:
        created = users.find_by_username(session, "cross.grid")
        assert created.community_id == app_world.world.community_id and created.grids == []
    assert snapshot_counts(app_world.engine)[0] == before[0] + 1


def test_stale_edit_is_refused_and_the_other_change_kept(app_world):
    at = users_screen(app_world)
    worker_id = app_world.world.actors["worker"].id
    at.selectbox(key="edit_pick").select(worker_id).run()
    # Someone else saves the same user after this form loaded it.
    with read_session(app_world.engine) as session:
        version = users.get_user(session, worker_id).version
    with write_session(app_world.engine) as session:
        users.update_user(session, app_world.world.actors["admin"], worker_id, version, display_name="别人改的",
                          role="worker", community_id=app_world.world.community_id, grid_ids=[], active=True)
    at.text_input(key=f"edit_name_{worker_id}").input("我改的")
    at.button(key=f"save_{worker_id}").click().run()
    assert any("有人在您打开后修改了这条记录" in e.value for e in at.error)
    with read_session(app_world.engine) as session:
        assert users.get_user(session, worker_id).display_name == "别人改的"


def test_admin_resets_a_password_and_unlocks_an_account(app_world):
    settings = Settings(cookie_key="k" * 40)
    now = clock.now()
    for minute in range(5):
        auth.login(app_world.engine, "trainer1", "Wrong1234", settings, now=now - timedelta(seconds=10 - minute))
    at = users_screen(app_world)
    trainer_id = app_world.world.actors["trainer"].id
    at.selectbox(key="edit_pick").select(trainer_id).run()
    at.button(key=f"unlock_{trainer_id}").click().run()
    assert "已解除 trainer1 的登录锁定" in texts(at)
    at.button(key=f"reset_{trainer_id}").click().run()
    assert "已为 trainer1 重置密码" in texts(at)
    with read_session(app_world.engine) as session:
        assert session.get(User, trainer_id).must_change_password


def test_communities_and_grids_are_added_and_duplicates_refused(app_world):
    at = open_url(login(new_app(), installation_admin(app_world)), "communities")
    at.text_input(key="community_name").input("新风社区")
    at.text_input(key="community_address").input("新风路 1 号")
    at.button[0].click().run()
    assert "已创建社区 新风社区" in texts(at)

    before = count(app_world.engine, Grid)
    at.text_input(key="grid_name").input("第一网格")
    at.button[1].click().run()
    assert any("名称：该社区已有名为 第一网格 的网格" in e.value for e in at.error)
    assert count(app_world.engine, Grid) == before
    with read_session(app_world.engine) as session:
        assert session.scalar(select(Community).where(Community.name == "新风社区")).address == "新风路 1 号"


def test_audit_screen_lists_logins_and_filters_by_action(app_world):
    login(new_app(), "worker1", "Wrong1234")
    at = open_url(login(new_app(), "supervisor1"), "audit")
    table = at.dataframe[0].value
    assert {"登录", "登录失败"} <= set(table["操作"])
    at.selectbox(key="audit_action").select("login_failed").run()
    table = at.dataframe[0].value
    assert set(table["操作"]) == {"登录失败"} and set(table["用户"]) == {"worker1"}


def test_audit_screen_shows_words_not_json_or_codes(app_world):
    with write_session(app_world.engine) as session:  # an audited change with a before and an after
        communities.update_grid(session, app_world.world.actors["admin"], app_world.world.grid_ids[0], 1,
                                name="东区网格")
    at = open_url(login(new_app(), "admin1"), "audit")
    table = at.dataframe[0].value
    renamed = table[table["操作"] == "修改网格"].iloc[0]
    assert renamed["对象"] == f"网格 #{app_world.world.grid_ids[0]}"
    assert "名称：东区网格" in renamed["修改后"] and "名称：第一网格" in renamed["修改前"]
    assert not any("{" in str(value) for value in table[["修改前", "修改后"]].to_numpy().ravel())


def test_a_communitys_admin_manages_only_its_accounts(app_world):
    """Another community's accounts are not listed, and no account is given outside the community."""
    world = app_world.world
    from tests.factories import PASSWORD

    with write_session(app_world.engine) as session:
        users.create_user(session, None, username="other.worker", display_name="安定门网格员", role="worker",
                          community_id=world.other_community_id, password=PASSWORD, must_change_password=False)
    at = users_screen(app_world)
    listed = list(at.dataframe[0].value["用户名"])
    assert "other.worker" not in listed and "worker1" in listed
    assert at.selectbox(key="new_community").options == ["和平里社区"]  # neither another community nor none
    at = open_url(login(new_app(), "admin1"), "communities")  # the community's own, and its grids
    shown = texts(at) + repr([frame.value for frame in at.dataframe])
    assert "安定门社区" not in shown and "和平里社区" in shown
    assert [tab.label for tab in at.tabs] == ["新建网格", "修改名称"]  # communities are the installation's


def test_a_new_installation_guides_the_system_administrator_step_by_step(app_world):
    """No community without an admin, no wall of zero figures: the steps left, each opening its screen."""
    installation_admin(app_world)
    with write_session(app_world.engine) as session:
        fresh = communities.create_community(session, ROOT, name="新风社区")
    at = login(new_app(), "root.admin")
    assert not at.metric and "开始使用：还需完成以下几步" in texts(at)
    steps = {link.label: link.disabled for link in at.get("page_link")}
    assert steps["新增社区（社区与网格）"] is True  # done: two communities and 新风社区 exist
    assert steps["为每个社区开设管理员账号（用户管理）：尚缺 安定门社区、新风社区"] is False
    overview = at.dataframe[0].value
    assert set(overview["社区"]) == {"和平里社区", "安定门社区", "新风社区"}
    assert "系统管理员负责社区和账号" in texts(at)
    with write_session(app_world.engine) as session:
        for community, name in ((fresh.id, "fresh.admin"), (app_world.world.other_community_id, "other.admin")):
            users.create_user(session, ROOT, username=name, display_name=name, role="admin", community_id=community)
    at = login(new_app(), "root.admin")
    assert "开始使用" not in texts(at)


def test_a_new_communitys_admin_is_shown_what_to_set_up_not_told_to_call_an_administrator(app_world):
    with write_session(app_world.engine) as session:
        fresh = communities.create_community(session, ROOT, name="新风社区")
        users.create_user(session, ROOT, username="fresh.admin", display_name="新风管理员", role="admin",
                          community_id=fresh.id, password=PASSWORD, must_change_password=False)
    at = login(new_app(), "fresh.admin")
    assert not at.metric  # no figures of a community with nobody in it
    assert {link.label: link.disabled for link in at.get("page_link")
            if "（" in link.label or "登记居民" in link.label} == {
        "为本社区划分网格（社区与网格）": False, "为主管和网格员开设账号，并分配网格（用户管理）": False,
        "登记居民：导入花名册，或逐个新增": False}
    for url in ("resident-new", "case-new", "ratings"):
        at = open_url(at, url)
        shown = texts(at)
        assert "本社区还没有网格：请先在“社区与网格”中新增网格。" in shown and "联系管理员" not in shown


def test_a_community_admin_reads_the_communitys_audit_trail_only(app_world):
    with write_session(app_world.engine) as session:
        users.create_user(session, ROOT, username="other.admin", display_name="安定门管理员", role="admin",
                          community_id=app_world.world.other_community_id, password=PASSWORD,
                          must_change_password=False)
    login(new_app(), "worker1", "Wrong1234")  # a failed login of this community's worker
    login(new_app(), "other.admin")
    at = open_url(login(new_app(), "admin1"), "audit")
    seen = set(at.dataframe[0].value["用户"])
    assert {"worker1", "admin1"} <= seen and "other.admin" not in seen
    at = open_url(login(new_app(), "other.admin"), "audit")
    seen = set(at.dataframe[0].value["用户"])
    assert "other.admin" in seen and not seen & {"worker1", "admin1"}
