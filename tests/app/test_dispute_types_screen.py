"""纠纷类型 through the real app: a community's admin adds its own types and chooses the shared ones
it uses; the system administrator keeps the shared list."""

from sqlalchemy import func, select

from core.office import users
from db.engine import read_session, write_session
from db.models import AuditEvent, DisputeType, DisputeTypeOptOut
from tests.app.conftest import login, new_app, open_url, texts
from tests.factories import PASSWORD


def _table(at) -> dict[str, dict]:  # noqa: ANN001
    frame = at.dataframe[0].value
    return {row["名称"]: row for row in frame.to_dict("records")}


def _case_types(at) -> list[str]:  # noqa: ANN001
    at = open_url(at, "case-new")
    return list(at.selectbox(key="case_new_type").options)


def _counts(engine) -> tuple[int, int, int]:  # noqa: ANN001
    with read_session(engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (DisputeType, DisputeTypeOptOut, AuditEvent))


def test_an_admin_adds_its_communitys_own_type_and_leaves_out_a_shared_one(app_world):
    at = open_url(login(new_app(), "admin1"), "dispute-types")
    assert not at.exception
    assert "共用类型由系统管理员维护" in texts(at)
    assert _table(at)["邻里"]["来源"] == "共用"
    assert [tab.label for tab in at.tabs] == ["新增类型", "修改或停用", "使用哪些共用类型"]
    assert "本社区还没有自有的类型" in texts(at)

    at.text_input(key="dispute_type_new_name").input("噪音扰民")
    at.button(key="FormSubmitter:dispute_type_new-新增类型").click().run()
    assert "已保存 噪音扰民。" in texts(at)
    assert _table(at)["噪音扰民"]["来源"] == "本社区"

    at.checkbox(key=next(box.key for box in at.checkbox if box.label == "山林土地")).uncheck()
    at.button(key="FormSubmitter:dispute_types_shared-保存").click().run()
    assert "已保存本社区使用的共用类型。" in texts(at)
    assert _table(at)["山林土地"]["启用"] == "否"

    offered = _case_types(at)
    assert "噪音扰民" in offered and "山林土地" not in offered and "邻里" in offered
    # Another community's worker is offered neither change: their list is the shared one.
    with write_session(app_world.engine) as session:
        users.create_user(session, None, username="worker2", display_name="安定门网格员", role="worker",
                          community_id=app_world.world.other_community_id, grid_ids=[app_world.world.other_grid_id],
                          password=PASSWORD, must_change_password=False)
    theirs = _case_types(login(new_app(), "worker2"))
    assert "山林土地" in theirs and "噪音扰民" not in theirs


def test_a_type_name_the_community_already_sees_is_refused_beside_the_field(app_world):
    at = open_url(login(new_app(), "admin1"), "dispute-types")
    before = _counts(app_world.engine)
    at.text_input(key="dispute_type_new_name").input("邻里")
    at.button(key="FormSubmitter:dispute_type_new-新增类型").click().run()
    assert [error.value for error in at.error] == ["名称：已有名为 邻里 的类型"]
    assert _counts(app_world.engine) == before


def test_the_system_administrator_keeps_the_shared_list_every_community_sees(app_world):
    from tests.app.test_admin_screens import installation_admin

    at = open_url(login(new_app(), installation_admin(app_world)), "dispute-types")
    assert not at.exception
    assert "各社区共用的纠纷类型" in texts(at)
    assert [tab.label for tab in at.tabs] == ["新增类型", "修改或停用"]
    at.text_input(key="dispute_type_new_name").input("网络纠纷")
    at.button(key="FormSubmitter:dispute_type_new-新增类型").click().run()
    assert _table(at)["网络纠纷"]["来源"] == "共用"
    online = next(k for k, name in _ids(app_world).items() if name == "网络纠纷")
    at.selectbox(key="type_pick").select(online).run()
    at.checkbox[0].uncheck()
    at.button(key=f"FormSubmitter:dispute_type_{online}_v1-保存").click().run()
    assert _table(at)["网络纠纷"]["启用"] == "否"
    worker = open_url(login(new_app(), "worker1"), "case-new")
    assert "网络纠纷" not in worker.selectbox(key="case_new_type").options


def test_supervisors_and_workers_cannot_change_the_types(app_world):
    for username in ("supervisor1", "worker1", "trainer1"):
        at = open_url(login(new_app(), username), "dispute-types")
        assert "您的角色无权打开此页面。" in texts(at)
        assert not at.text_input


def _ids(app_world) -> dict[int, str]:  # noqa: ANN001
    with read_session(app_world.engine) as session:
        return dict(session.execute(select(DisputeType.id, DisputeType.name)).all())
