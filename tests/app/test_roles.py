"""Each role, and nobody, against every screen: opened, or refused without running it."""

import pytest

from tests.app.conftest import login, new_app, open_url, texts

TITLES = {"home": "您好", "users": "用户管理", "communities": "社区与网格", "audit": "审计日志", "profile": "我的账号",
          "residents": "居民", "resident-new": "新增居民", "resident-import": "导入居民花名册",
          "my-todo": "我的待办", "cases": "调解案件", "case-new": "登记矛盾纠纷", "mediation-stats": "调解统计",
          "dispute-types": "纠纷类型", "my-training": "我的培训", "courses": "培训课程", "compliance": "培训达标情况",
          "checkin": "扫码签到", "training-settings": "培训设置", "external-hours": "外部学时审核", "ratings": "收集评价", "satisfaction": "满意度", "screenings": "纠纷排查", "watch-list": "重点关注"}
RESIDENT_WORK = {"residents", "resident-new", "resident-import"}
MEDIATION_WORK = {"my-todo", "cases", "case-new", "screenings", "watch-list"}
OWN_TRAINING = {"my-training", "checkin"}
ALLOWED = {
    "admin": {"home", "users", "communities", "audit", "profile", "mediation-stats", "dispute-types", "courses",
              "compliance", "external-hours", "training-settings", "ratings", "satisfaction"} | RESIDENT_WORK | MEDIATION_WORK
    | OWN_TRAINING,
    "supervisor": {"home", "audit", "profile", "mediation-stats", "compliance", "external-hours", "ratings", "satisfaction"}
    | RESIDENT_WORK | MEDIATION_WORK | OWN_TRAINING,
    "worker": {"home", "profile", "ratings"} | RESIDENT_WORK | MEDIATION_WORK | OWN_TRAINING,
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
    at = login(new_app(), f"{role}1")
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
