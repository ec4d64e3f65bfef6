"""Login, refusal, forced password change, logout and language, through the real app."""

import json
import os

from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.office import auth, users
from db.engine import read_session, write_session
from db.models import AuditEvent
from tests.app.conftest import login, new_app, open_url, texts
from tests.conftest import TEST_COOKIE_KEY
from tests.factories import PASSWORD


def test_logged_out_sees_only_the_login_form_in_chinese(app_world):
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "邻里 · 社区工作台"
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert "您好" not in texts(at)


def test_login_success_opens_home_for_the_role(app_world):
    at = login(new_app(), "Worker1")
    assert not at.exception
    assert "您好，worker one" in texts(at)
    assert "角色：网格员" in texts(at)


def test_wrong_password_and_unknown_user_show_one_message_and_stay_out(app_world):
    for username, password in (("worker1", "Wrong1234"), ("nobody", PASSWORD)):
        at = login(new_app(), username, password)
        assert [e.value for e in at.error] == ["用户名或密码不正确。"]
        assert "您好" not in texts(at)


def test_sixth_attempt_reports_the_lock(app_world):
    for _ in range(5):
        login(new_app(), "worker1", "Wrong1234")
    at = login(new_app(), "worker1", PASSWORD)
    assert "账号已暂时锁定" in at.error[0].value
    assert "您好" not in texts(at)


def test_one_time_password_forces_a_new_password_before_anything_else(app_world):
    with write_session(app_world.engine) as session:
        secret = users.reset_password(session, None, app_world.world.actors["admin"].id)
    at = login(new_app(), "admin1", secret)
    assert at.title[0].value == "请设置新密码"
    open_url(at, "users")
    assert at.title[0].value == "请设置新密码"  # a deep link still lands on the password form
    assert "用户管理" not in [t.value for t in at.title]

    at.text_input(key="forced_password_current").input(secret)
    at.text_input(key="forced_password_new").input("short")
    at.text_input(key="forced_password_confirm").input("short")
    at.button[0].click().run()
    assert "新密码：太短" in at.error[0].value

    at.text_input(key="forced_password_current").input(secret)
    at.text_input(key="forced_password_new").input("BrandNew2026")
    at.text_input(key="forced_password_confirm").input("BrandNew2026")
    at.button[0].click().run()
    assert "密码已修改" in texts(at)

    at = login(new_app(), "admin1", "BrandNew2026")
    assert "您好" in texts(at)


def test_logout_ends_the_session_and_forgets_the_user(app_world):
    at = login(new_app(), "supervisor1")
    assert "您好" in texts(at)
    at.sidebar.button(key="logout_button").click().run()
    assert "您已退出登录" in texts(at)
    at.run()
    assert [t.label for t in at.text_input][:2] == ["用户名", "密码"]
    assert "linli_auth" not in at.session_state
    with read_session(app_world.engine) as session:
        assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first() == "logout"


def test_language_switch_to_english_is_remembered_for_the_user(app_world):
    at = new_app().run()
    at.selectbox(key="language_switch_anon").select("en").run()
    assert at.text_input(key="login_username").label == "User name"

    at = login(new_app(), "trainer1")
    at.sidebar.selectbox(key="language_switch_user").select("en").run()
    assert "Hello, trainer one" in texts(at)
    with read_session(app_world.engine) as session:
        assert users.get_user(session, app_world.world.actors["trainer"].id).language == "en"

    at = login(new_app(), "trainer1")  # a new browser session starts in the user's language
    assert "Hello, trainer one" in texts(at)


def test_guessing_the_current_password_logs_out_and_locks(app_world):
    at = open_url(login(new_app(), "worker1"), "profile")
    for attempt in range(5):
        at.text_input(key="profile_password_current").input(f"Guess{attempt}xx")
        at.text_input(key="profile_password_new").input("NewSecret456")
        at.text_input(key="profile_password_confirm").input("NewSecret456")
        at.main.button[0].click().run()
    assert "当前密码输错次数过多" in texts(at)
    at.run()
    assert [t.label for t in at.text_input][:2] == ["用户名", "密码"]
    assert login(new_app(), "worker1").error[0].value.startswith("登录失败次数过多")


def test_start_up_refuses_keys_that_do_not_match_the_database(app_world, monkeypatch):
    new_app().run()  # the first start records the key's check value
    monkeypatch.setenv("LINLI_ID_ENCRYPTION_KEY", "a-different-key-than-the-database-was-written-with")
    at = new_app().run()
    assert "加密密钥与数据库不匹配" in at.error[0].value
    assert not at.text_input  # no login form: nothing runs with the wrong key


def cookie_components(at) -> dict[str, dict]:
    """The cookie components this run drew: key ("init", "set", "delete") → their arguments."""
    return {c.key: json.loads(c.proto.json_args) for c in at.get("component_instance")}


def test_the_login_cookie_is_written_until_the_browser_confirms_it_then_never_drawn_again(app_world):
    at = login(new_app(), "worker1")
    first = cookie_components(at)
    assert first["set"]["method"] == "set"
    # The cookie carries this login's session: its exp_date is the one the server recorded.
    assert auth.decode_cookie(first["set"]["value"], TEST_COOKIE_KEY) == (
        "worker1", at.session_state["linli_auth"]["token_exp"])
    at.run()  # e.g. the getAll report's rerun: the same cookie is drawn again, not dropped
    assert cookie_components(at)["set"] == first["set"]
    at.session_state["set"] = True  # what the component reports once it has written the cookie
    at.run()
    assert cookie_components(at) == {}
    at.run()
    assert cookie_components(at) == {} and "您好" in texts(at)


def test_logout_deletes_the_cookie_until_the_browser_confirms_it(app_world, capfd):
    at = login(new_app(), "supervisor1")
    at.session_state["set"] = True
    at.run()
    at.sidebar.button(key="logout_button").click().run()
    assert cookie_components(at)["delete"]["method"] == "delete"
    at.run()
    assert cookie_components(at)["delete"]["method"] == "delete"
    assert [t.label for t in at.text_input][:2] == ["用户名", "密码"]
    at.session_state["delete"] = True
    at.run()
    assert cookie_components(at) == {}
    assert "linli_auth" not in capfd.readouterr().out  # the library printed a KeyError on each delete


def test_a_read_only_database_says_so_in_the_users_language_and_logs_the_cause(app_world, monkeypatch, caplog):
    """Before: Streamlit's generic English "This app has encountered an error" at login."""
    new_app().run()  # first start, on the writable file: keys recorded, administrator present
    path = make_url(os.environ["DATABASE_URL"]).database
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")  # as a file Linli may not write
    at = login(new_app(), "worker1")
    assert not at.exception
    assert [e.value for e in at.error] == ["数据库目前只读，无法保存（包括登录）。请联系管理员：运行邻里的账户需要对数据目录有写权限。"]
    assert "database read_only" in caplog.text and "readonly database" in caplog.text
