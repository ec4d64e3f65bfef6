"""The foundation's journey in a real browser: deep link, login, role sidebar, language, logout."""

import re
import time

import jwt
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import TEST_COOKIE_KEY
from tests.e2e.conftest import idle
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
COOKIE = "linli_auth"


def login_form_shown(page: Page) -> None:
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_label("密码")).to_be_visible()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in and wait, as a person would before opening another address, for the login cookie:
    the cookie component writes it a moment after the first screen shows (CI once navigated
    away before that, and landed on the login form)."""
    before = login_cookie(page)  # a replayed old cookie may be there already: wait for this login's
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    deadline = time.monotonic() + 20
    while login_cookie(page) in (None, before):
        assert time.monotonic() < deadline, "the login cookie was never written"
        page.wait_for_timeout(100)


def switch_language(page: Page, name: str) -> None:
    """The sidebar's switch sits at the foot of a long sidebar: pick by typing, as a keyboard user would."""
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.keyboard.type(name)
    page.keyboard.press("Enter")


def login_cookie(page: Page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == COOKIE), None)


def sidebar_links(page: Page) -> list[str]:
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible()
    # A link reads "icon_name\n\nTitle": the icon is a ligature; keep the title.
    return [text.strip().splitlines()[-1].strip() for text in nav.get_by_role("link").all_inner_texts()]


def no_page_not_found(page: Page) -> None:
    page.wait_for_timeout(1500)  # the false dialog, when it happens, shows after the first render
    expect(page.get_by_text(re.compile("Page not found", re.I))).to_have_count(0)


def test_deep_link_login_sidebar_language_logout_reload(server, page: Page):
    page.goto(f"{server.url}/users")
    login_form_shown(page)
    no_page_not_found(page)
    expect(page.get_by_role("heading", name="用户管理")).to_have_count(0)

    log_in(page, "admin1")
    expect(page.get_by_role("heading", name="用户管理")).to_be_visible()  # the page asked for
    assert page.url.rstrip("/").endswith("/users")
    assert {"首页", "用户管理", "社区与网格", "审计日志", "我的账号"} <= set(sidebar_links(page))
    no_page_not_found(page)

    switch_language(page, "English")
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    idle(page)  # while the run replaces the page, the notice can be there twice
    expect(page.get_by_text("You have logged out.")).to_have_count(1)
    page.reload()
    expect(page.get_by_label("User name").or_(page.get_by_label("用户名"))).to_be_visible()
    expect(page.get_by_role("heading", name="Users")).to_have_count(0)
    no_page_not_found(page)


def test_worker_sidebar_has_only_the_workers_screens(server, page: Page):
    page.goto(server.url)
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    links = set(sidebar_links(page))
    assert {"首页", "我的账号"} <= links
    assert not links & {"用户管理", "社区与网格", "审计日志"}
    page.goto(f"{server.url}/users")
    expect(page.get_by_text("您的角色无权打开此页面。")).to_be_visible()
    no_page_not_found(page)


def test_login_survives_a_reload_through_the_cookie(server, page: Page):
    page.goto(server.url)
    log_in(page, "supervisor1")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    assert any(c["name"] == COOKIE for c in page.context.cookies())


def test_replayed_cookie_after_logout_does_not_log_in(server, page: Page):
    page.goto(server.url)
    log_in(page, "trainer1")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    stolen = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert stolen, "the login cookie was not set"
    page.get_by_role("button", name="退出登录").click()
    login_form_shown(page)

    page.context.add_cookies(stolen)
    page.goto(server.url)
    login_form_shown(page)
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_have_count(0)


def _forged(token: str, server_url: str) -> dict:
    return {"name": COOKIE, "value": token, "url": server_url}


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda exp: jwt.encode({"username": "admin1", "exp_date": exp}, "some_key" * 4), id="other-key"),
        pytest.param(lambda exp: jwt.encode({"username": "admin1", "exp_date": exp}, None, algorithm="none"), id="alg-none"),
        pytest.param(lambda exp: jwt.encode({"username": "admin1", "exp_date": exp}, TEST_COOKIE_KEY)[:-9], id="truncated"),
        pytest.param(lambda exp: jwt.encode({"username": "admin1", "exp_date": exp}, TEST_COOKIE_KEY), id="no-session-row"),
    ],
)
def test_forged_cookies_do_not_log_in(server, page: Page, make_token):
    page.context.add_cookies([_forged(make_token(time.time() + 3600), server.url)])
    page.goto(f"{server.url}/audit")
    login_form_shown(page)
    expect(page.get_by_role("heading", name="审计日志")).to_have_count(0)
    expect(page.get_by_text(re.compile("Traceback|Error", re.I))).to_have_count(0)


def test_replayed_cookie_after_a_password_change_does_not_log_in(server, page: Page):
    from core.office import users
    from db.engine import write_session

    with write_session(server.engine) as session:
        users.create_user(session, None, username="changer", display_name="改密者", role="worker",
                          community_id=server.world.community_id, password=PASSWORD, must_change_password=False)
    page.goto(f"{server.url}/profile")
    log_in(page, "changer")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    stolen = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert stolen, "the login cookie was not set"

    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Changed2026x")
    page.get_by_label("确认新密码").fill("Changed2026x")
    page.get_by_role("button", name="修改密码").click()
    # While the rerun replaces the profile screen its old notice may still be drawn: wait for the
    # login form, then for exactly one notice.
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_text("密码已修改，请用新密码重新登录。")).to_have_count(1)
    expect(page.get_by_text("密码已修改，请用新密码重新登录。")).to_be_visible()

    page.context.add_cookies(stolen)
    page.goto(f"{server.url}/profile")
    login_form_shown(page)
    log_in(page, "changer", "Changed2026x")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()


def script_runs(page: Page) -> list[int]:
    """A list that grows by one each time the server finishes a script run for this page."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    finished: list[int] = []

    def on_frame(payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg.FromString(payload)
            if message.WhichOneof("type") == "script_finished":
                finished.append(message.script_finished)

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    return finished


def test_a_page_opened_with_the_login_cookie_runs_its_script_once(server, page: Page):
    """The cookie component used to report on every page load and rerun the page a moment after
    it showed (a click's run could be interrupted by it). Now only the load's own run happens."""
    page.goto(server.url)
    log_in(page, "supervisor1")  # (admin1 speaks English after the first test)
    runs = script_runs(page)
    page.goto(f"{server.url}/profile")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.wait_for_timeout(3000)  # the extra run came 0.2-0.9 s after the page showed
    assert len(runs) == 1, f"{len(runs)} script runs for one page load"

    page.get_by_role("button", name="退出登录").click()  # logging out deletes the cookie
    login_form_shown(page)
    deadline = time.monotonic() + 20
    while login_cookie(page) is not None:
        assert time.monotonic() < deadline, "the login cookie was not deleted on logout"
        page.wait_for_timeout(100)


def test_the_tab_icon_is_served_by_linli_itself(server, page: Page):
    """The office intranet reaches no internet: an icon from fonts.gstatic.com would be broken."""
    page.goto(server.url)
    login_form_shown(page)
    icon = page.locator("link[rel~='icon']").first
    expect(icon).to_have_attribute("href", re.compile(r"^(/|data:|" + re.escape(server.url) + ")"))
    response = page.request.get(page.evaluate("() => document.querySelector(\"link[rel~='icon']\").href"))
    assert response.ok and response.headers["content-type"].startswith("image/")
