"""Each role, and nobody, against every screen: opened, or refused without running it."""

import pytest

from tests.app.conftest import login, new_app, open_url, texts

TITLES = {"home": "您好", "users": "用户管理", "communities": "社区与网格", "audit": "审计日志", "profile": "我的账号",
          "residents": "居民", "resident-new": "新增居民", "resident-import": "导入居民花名册",
          "my-todo": "我的待办", "cases": "调解案件", "case-new": "登记矛盾纠纷", "mediation-stats": "调解统计",
          "dispute-types": "纠纷类型", "my-training": "我的培训", "courses": "培训课程", "compliance": "培训达标情况",
          "checkin": "扫码签到", "training-settings": "培训设置", "external-hours": "外部学时审核", "ratings": "收集评价", "satisfaction": "满意度", "screenings": "纠纷排查", "watch-list": "重点关注", "street": "街道总览",
          "round": "我的走访", "visit-plan": "走访计划", "visit-coverage": "走访覆盖",
          "visit-frequencies": "走访频次", "activities": "社区活动",
          "activity-categories": "活动类别", "assessment": "绩效概览",
          "assessment-annual": "年度考核", "assessment-scheme": "考核方案"}
RESIDENT_WORK = {"residents", "resident-new", "resident-import"}
MEDIATION_WORK = {"my-todo", "cases", "case-new", "screenings", "watch-list"}
OWN_TRAINING = {"my-training", "checkin"}
VISITS = {"round", "visit-plan", "visit-coverage"}
ALLOWED = {
    # Communities and their accounts, the installation's trail, the shared dispute types: no resident,
    # case, rating or course.
    "sysadmin": {"home", "users", "communities", "audit", "profile", "dispute-types"},
    # Every community's figures side by side: no resident, case, rating or account.
    "street": {"home", "profile", "street", "assessment"},
    "admin": {"home", "users", "communities", "audit", "profile", "mediation-stats", "dispute-types", "courses",
              "compliance", "external-hours", "training-settings", "ratings", "satisfaction", "visit-frequencies",
              "activity-categories", "assessment-scheme"}
    | RESIDENT_WORK | MEDIATION_WORK | OWN_TRAINING,  # no round, plan or coverage: they tell who is in a care group
    "supervisor": {"home", "audit", "profile", "mediation-stats", "compliance", "external-hours", "ratings", "satisfaction",
                   "activities", "assessment", "assessment-annual"} | RESIDENT_WORK | MEDIATION_WORK | OWN_TRAINING | VISITS,
    "worker": {"home", "profile", "ratings", "round", "activities", "assessment", "assessment-annual"} | RESIDENT_WORK | MEDIATION_WORK | OWN_TRAINING,
    "trainer": {"home", "profile", "courses", "training-settings"} | OWN_TRAINING,
}
NOT_ALLOWED = "您的角色无权打开此页面。"


@pytest.mark.parametrize("url", list(TITLES))
def test_logged_out_deep_link_shows_the_login_form_and_none_of_the_page(app_world, url):
    at = open_url(new_app().run(), url)
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert [t.value for t in at.title] == ["邻里 · 社区工作台"]  # the login screen's title, no page's
    assert not at.dataframe


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("url", list(TITLES))
def test_role_page_matrix(app_world, role, url):
    if role in ("sysadmin", "street"):
        from tests.app.test_admin_screens import installation_admin, street_officer

        (installation_admin if role == "sysadmin" else street_officer)(app_world)
    at = login(new_app(), {"sysadmin": "root.admin", "street": "jd.gb"}.get(role, f"{role}1"))
    at = open_url(at, url)
    assert not at.exception
    shown = texts(at)
    if url in ALLOWED[role]:
        assert NOT_ALLOWED not in shown
        assert TITLES[url] in [t.value for t in at.title][0]
    else:
        assert NOT_ALLOWED in shown
        assert all(TITLES[url] not in t.value for t in at.title)


def test_deep_link_survives_login(app_world):
    at = open_url(new_app().run(), "audit")
    at.text_input(key="login_username").input("supervisor1")
    at.text_input(key="login_password").input("Secret123")
    at.button[0].click().run()
    assert at.title[0].value == "审计日志"


def test_every_date_field_is_typed_as_the_tables_show_dates(app_world):
    """2026-11-29, as tables and downloads write dates; Streamlit's default is yyyy/mm/dd."""
    at = login(new_app(), "admin1")
    formats = {}
    for url in sorted(ALLOWED["admin"]):
        at = open_url(at, url)
        formats.update({f"{url}: {field.label}": field.proto.format for field in at.date_input})
    assert len(formats) >= 8  # audit, cases, case-new, courses, ratings, training settings
    assert {where: shape for where, shape in formats.items() if shape != "YYYY-MM-DD"} == {}


def test_a_supervisor_of_another_community_sees_none_of_this_ones_people_or_figures(app_world):
    """Two communities on one installation: every screen a supervisor opens holds only their own."""
    from datetime import date

    from core.mediation import dispute_types
    from core.mediation import service as mediations
    from core.office import users
    from core.residents import service as residents
    from core.satisfaction import service as satisfaction
    from db.engine import write_session
    from db.models import User
    from tests.factories import PASSWORD, make_resident_id, register, vault_for_tests

    world = app_world.world
    with write_session(app_world.engine) as session:
        other = users.create_user(session, None, username="supervisor2", display_name="安定门主管", role="supervisor",
                                  community_id=world.other_community_id, password=PASSWORD, must_change_password=False)
        session.flush()
        them = users.actor_of(session.get(User, other.user.id))
        register(session, them, vault_for_tests(), residents.ResidentForm(
            name="安定门居民", id_number=make_resident_id("19500101", "901"), grid_id=world.other_grid_id,
            address="安定门小区1号楼"))
        kind = next(iter(dispute_types.offered(session, them)))
        mediations.register(session, them, mediations.CaseInput(
            intake_date=date.today(), source="application", type_id=kind, grid_id=world.other_grid_id,
            facts="安定门噪音", parties=[mediations.PartyInput(name="安定门申请人"),
                                        mediations.PartyInput(side="respondent", name="安定门被申请人")]))
        for score in (5, 1, 1, 1, 1):
            satisfaction.record_rating(session, them, satisfaction.RatingInput(
                score=score, category="visit", grid_id=world.other_grid_id, rated_on=date.today(),
                comment="安定门的意见"))

    def everything(at) -> str:  # noqa: ANN001
        return texts(at) + repr([frame.value for frame in at.dataframe]) + repr([m.value for m in at.metric])

    for url in ("residents", "cases", "satisfaction", "home", "watch-list", "mediation-stats"):
        mine = open_url(login(new_app(), "supervisor1"), url)
        theirs = open_url(login(new_app(), "supervisor2"), url)
        assert not mine.exception and not theirs.exception
        assert "安定门" not in everything(mine), url
    assert "安定门居民" in everything(open_url(login(new_app(), "supervisor2"), "residents"))
    assert "安定门的意见" in everything(open_url(login(new_app(), "supervisor2"), "satisfaction"))


def test_every_role_of_another_community_sees_nothing_of_this_one_on_any_screen(app_world):
    """The role x community matrix: 和平里's people, cases, comments, staff, grids and courses are
    on its screens; an admin, supervisor, worker or trainer of 安定门 opens every screen their role
    may, and reads none of it, nor selects it in any picker."""
    from datetime import date, datetime, timedelta

    from core.mediation import dispute_types
    from core.mediation import service as mediations
    from core.office import users
    from core.residents import service as residents
    from core.satisfaction import service as satisfaction
    from core.training import categories
    from core.training import service as training
    from db.engine import write_session
    from tests.factories import PASSWORD, make_resident_id, register, vault_for_tests

    world = app_world.world
    home = world.actors
    markers = ("王秀兰", "赵大海", "钱小二", "漏水纠纷", "服务态度差", "和平里公开课", "worker one", "supervisor one",
               "trainer one", "admin one", "第一网格", "第二网格", "和平里社区", "楼道堆物")
    with write_session(app_world.engine) as session:
        register(session, home["worker"], vault_for_tests(), residents.ResidentForm(
            name="王秀兰", id_number=make_resident_id("19440101", "801"), grid_id=world.grid_ids[0],
            address="幸福里3号楼1单元101", tags=["elderly_alone"]))
        kind = dispute_types.save(session, home["admin"], name="楼道堆物").id  # 和平里's own type
        mediations.register(session, home["worker"], mediations.CaseInput(
            intake_date=date.today(), source="application", type_id=kind, grid_id=world.grid_ids[0],
            facts="漏水纠纷", parties=[mediations.PartyInput(name="赵大海"),
                                      mediations.PartyInput(side="respondent", name="钱小二")]))
        for score in (5, 1, 1, 1, 1):
            satisfaction.record_rating(session, home["supervisor"], satisfaction.RatingInput(
                score=score, category="visit", grid_id=world.grid_ids[0], rated_on=date.today(),
                comment="服务态度差", worker_id=home["worker"].id))
        starts = datetime.now() + timedelta(days=2)
        training.create_course(session, home["trainer"], training.CourseInput(
            category_id=categories.SOCIAL_WORK, title="和平里公开课", topic="调解", starts_at=starts,
            ends_at=starts + timedelta(hours=2), credit_hours=2, participant_ids=[home["worker"].id]))
        for role in ("admin", "supervisor", "worker", "trainer"):
            users.create_user(session, None, username=f"{role}2", display_name=f"安定门{role}", role=role,
                              community_id=world.other_community_id,
                              grid_ids=[world.other_grid_id] if role == "worker" else [], password=PASSWORD,
                              must_change_password=False)

    def everything(at) -> str:  # noqa: ANN001
        pickers = [option for kind in ("selectbox", "multiselect") for box in at.get(kind)
                   for option in getattr(box, "options", [])]
        # every cell (a DataFrame's repr would cut a wide table short with "...")
        return (texts(at) + "".join(frame.value.to_csv() for frame in at.dataframe) + repr([m.value for m in at.metric])
                + repr(pickers) + repr([e.value for e in at.table]) + repr([box.label for box in at.checkbox]))

    seen = {}
    for role in ("admin", "supervisor", "worker", "trainer"):
        at = login(new_app(), f"{role}2")
        for url in sorted(ALLOWED[role]):
            at = open_url(at, url)
            assert not at.exception, (role, url)
            leaked = [marker for marker in markers if marker in everything(at)]
            if leaked:
                seen[(role, url)] = leaked
    assert seen == {}
    # the markers are there to be seen, by 和平里's own supervisor
    assert "王秀兰" in everything(open_url(login(new_app(), "supervisor1"), "residents"))
