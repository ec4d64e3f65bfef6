"""Linli as an office deploys it for many users: two replicas on one PostgreSQL behind nginx (the
configuration deploy/render_nginx.py writes), TLS, Chromium talking to nginx only.

One journey: log in, import a roster (the upload, an HTTP PUT, must reach the replica that holds
the tab's websocket: sticky routing), work; the replica holding the tab is killed, the user
reloads and carries on on the other one without logging in again; the killed replica comes back,
and a logout through nginx ends the same login in a tab opened straight on that replica. No
Content-Security-Policy violation in any tab or frame. And the public server block publishes only
the rating page of a public-only instance.

Under CI=true a missing nginx or PostgreSQL is a failure, not a skip (as Chromium is).
"""

from __future__ import annotations

import re
import signal
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from db import migrate
from db.engine import make_engine, read_session
from db.models import AuthSession, Resident
from deploy import render_nginx
from tests import replicas
from tests.conftest import IN_CI, create_pg_database, drop_pg_database, require_pg
from tests.e2e.conftest import start_streamlit
from tests.e2e.test_login_journey import log_in, login_cookie, login_form_shown
from tests.e2e.test_residents_journey import check_then_import
from tests.factories import make_resident_id, make_world
from tests.unit.residents.test_imports import BAD, GOOD, csv_bytes

pytestmark = pytest.mark.browser

ROUTE_COOKIE = render_nginx.ROUTE_COOKIE
# Reported by every frame of every page (the init script runs in iframes too).
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolation({directive: event.violatedDirective, blocked: event.blockedURI,
                         source: event.sourceFile, sample: event.sample, frame: location.href});
});
"""


@dataclass
class Office:
    url: str  # nginx, the only address the browser uses
    access_log: Path
    public_access_log: Path
    cert: Path
    public_address: str
    folder: Path
    database_url: str
    engine: object
    staff: dict[str, object]  # "127.0.0.1:port" -> its process (the fixture stops them)

    def start_replica(self, address: str) -> None:
        """Start (or start again) the staff replica that listens on `address`."""
        process, _ = start_streamlit(self.database_url, self.folder / f"replica-{address.rpartition(':')[2]}.log",
                                     port=int(address.rpartition(":")[2]))
        self.staff[address] = process


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    if not replicas.nginx_available():
        if IN_CI:
            pytest.fail(f"nginx is required in CI but missing at {replicas.NGINX}")
        pytest.skip("nginx not installed (apt-get install nginx); CI runs these")
    require_pg()
    folder = tmp_path_factory.mktemp("replicas")
    database_url = create_pg_database()
    engine = make_engine(database_url)
    staff: dict[str, object] = {}  # filled as they start: stopped at the end whatever happened
    others: list = []
    try:
        migrate.upgrade(engine)
        make_world(engine)
        *first, (public, public_url) = start_together([
            (database_url, folder / "first-1.log", {}), (database_url, folder / "first-2.log", {}),
            (database_url, folder / "public.log", {"LINLI_PUBLIC_ONLY": "1"})])
        staff.update({url.removeprefix("http://"): process for process, url in first})
        others.append(public)
        public_address = public_url.removeprefix("http://")
        nginx, url, access_log = replicas.start_nginx(folder / "nginx", list(staff), public_upstream=public_address)
        others.append(nginx)
        yield Office(url=url, access_log=access_log, public_access_log=access_log.parent / replicas.PUBLIC_ACCESS_LOG,
                     cert=access_log.parent / "tls" / "cert.pem", public_address=public_address, folder=folder,
                     database_url=database_url, engine=engine, staff=staff)
    finally:
        for process in [*staff.values(), *others]:
            replicas.stop(process)
        engine.dispose()
        drop_pg_database(database_url)


def start_together(servers: list[tuple[str, Path, dict]]) -> list[tuple[object, str]]:
    """start_streamlit for each (database url, log, env) at once (each takes seconds); if one
    fails, the others are stopped."""
    with ThreadPoolExecutor(len(servers)) as pool:
        futures = [pool.submit(start_streamlit, url, log, env=env) for url, log, env in servers]
        try:
            return [future.result() for future in futures]
        except Exception:
            for future in futures:
                if future.exception() is None:
                    replicas.stop(future.result()[0])
            raise


class Watch:
    """What the browser reports about a context: CSP violations (events of every frame, and the
    console's words for them), and the security headers of every document nginx served."""

    def __init__(self, context: BrowserContext, nginx_url: str):
        self.violations: list[dict | str] = []
        self.documents: list[tuple[str, dict[str, str]]] = []
        self.nginx_url = nginx_url
        context.expose_binding("__cspViolation", lambda source, report: self.violations.append(report))
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        page.on("console", lambda message: self.violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.on("response", self.response)

    def response(self, response) -> None:  # noqa: ANN001
        if response.request.resource_type == "document" and response.url.startswith(self.nginx_url):
            self.documents.append((response.url, response.headers))


def new_context(browser, watched: list[Watch], nginx_url: str) -> BrowserContext:  # noqa: ANN001
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, ignore_https_errors=True)
    watched.append(Watch(context, nginx_url))
    return context


def stream_and_upload_lines(office: Office, route: str) -> list[dict[str, str]]:
    return [line for line in replicas.access_log_lines(office.access_log)
            if line.get("route") == route and re.search(r"/_stcore/(stream|upload_file)", line["request"])]


def residents_listed(page: Page, count: int) -> None:
    """The residents list shows `count` residents, the roster's 王芳 among them (the table is a
    canvas: its cells are there for assistive technology, not visible)."""
    expect(page.get_by_role("heading", name="居民")).to_be_visible()
    expect(page.get_by_text(f"共 {count} 条")).to_be_visible()
    expect(page.locator("[role=gridcell]", has_text="王芳").first).to_be_attached()


def test_a_user_carries_on_when_the_replica_holding_the_tab_dies(office: Office, browser, tmp_path: Path):
    watched: list[Watch] = []
    context = new_context(browser, watched, office.url)
    page = context.new_page()
    page.set_default_timeout(20_000)

    # Log in through nginx; the roster holds 低保 and 留守儿童: the supervisor's to set.
    page.goto(f"{office.url}/resident-import")
    log_in(page, "supervisor1")
    expect(page.get_by_role("heading", name="导入居民花名册")).to_be_visible()
    route_cookie = next(cookie for cookie in context.cookies() if cookie["name"] == ROUTE_COOKIE)
    assert (route_cookie["httpOnly"], route_cookie["secure"], route_cookie["sameSite"]) == (True, True, "Lax")
    route = route_cookie["value"]

    # The import of tests/e2e/test_residents_journey.py: upload, check, download the report, import.
    roster = tmp_path / "花名册.csv"
    roster.write_bytes(csv_bytes([[cell.replace("第二网格", "第一网格") for cell in row] for row in GOOD] + BAD, "gbk"))
    assert check_then_import(page, roster)[0] == ["line", "field", "reason"]

    # Work: charts (Vega draws under the policy without 'unsafe-eval': Streamlit uses its
    # interpreter), then the residents list. Each page load closes the websocket of the page
    # before, and nginx logs it with its replica.
    page.goto(f"{office.url}/satisfaction")
    expect(page.locator("[data-testid=stVegaLiteChart] :is(svg, canvas)").first).to_be_visible()
    page.goto(f"{office.url}/residents")
    residents_listed(page, 3)

    # Sticky: the upload went to the replica of the tab's websockets, and only one replica served them.
    lines = stream_and_upload_lines(office, route)
    assert any("/_stcore/upload_file/" in line["request"] for line in lines), lines
    assert any("/_stcore/stream" in line["request"] for line in lines), lines
    holders = {line["upstream"] for line in lines}
    assert len(holders) == 1 and holders <= set(office.staff), holders
    (holder,) = holders
    (other,) = set(office.staff) - holders

    # The replica holding the tab dies. The user reloads: nginx finds it refusing and passes the
    # reload on to the other replica; the login cookie resumes the session from the database.
    office.staff[holder].send_signal(signal.SIGKILL)
    office.staff[holder].wait(timeout=10)
    page.reload()
    residents_listed(page, 3)
    expect(page.get_by_label("密码")).to_have_count(0)  # no login form

    # One more write, on the surviving replica.
    page.goto(f"{office.url}/resident-new")
    expect(page.get_by_role("heading", name="新增居民")).to_be_visible()
    page.get_by_role("textbox", name="姓名").fill("李秀兰")
    page.get_by_role("textbox", name="身份证号").fill(make_resident_id("19560214", "032"))
    page.get_by_role("textbox", name="地址").fill("和平里小区7号楼1单元502")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_text("已登记 李秀兰。")).to_be_visible()

    # nginx tried the dead replica, then the other one (upstream "dead, alive" on one line), and
    # since then every websocket of this browser is on the survivor.
    lines = replicas.access_log_lines(office.access_log)
    assert any(line.get("upstream") == f"{holder}, {other}" for line in lines), [line.get("upstream") for line in lines]
    assert stream_and_upload_lines(office, route)[-1]["upstream"] in (other, f"{holder}, {other}")

    # Every committed write is in the database.
    with read_session(office.engine) as session:
        names = set(session.scalars(select(Resident.name).where(Resident.deleted_at.is_(None))))
    assert {"张伟", "王芳", "曾小明", "李秀兰"} <= names

    # The killed replica comes back on its port. A second tab, straight on it (not through nginx),
    # carries the same login cookie: the same login, resumed there.
    office.start_replica(holder)
    cookie = login_cookie(page)
    assert cookie
    direct = new_context(browser, watched, office.url)
    direct.add_cookies([{"name": "linli_auth", "value": cookie, "url": f"http://{holder}"}])
    second = direct.new_page()
    second.set_default_timeout(20_000)
    second.goto(f"http://{holder}/residents")
    expect(second.get_by_role("heading", name="居民")).to_be_visible()

    # Log out in the first tab, through nginx (its websocket is on the survivor) ...
    page.get_by_role("button", name="退出登录").click()
    login_form_shown(page)
    with read_session(office.engine) as session:
        assert session.scalar(select(AuthSession.revoked_reason).order_by(AuthSession.id.desc()).limit(1)) == "logout"
    # ... and the second tab's next rerun, on the other replica, shows the login form.
    search = second.get_by_role("textbox", name="搜索")
    search.fill("王芳")
    search.press("Enter")
    login_form_shown(second)
    expect(second.get_by_role("heading", name="居民")).to_have_count(0)

    # No CSP violation anywhere, and not because there was no policy: every document nginx
    # served carried it, the cookie component's iframe included.
    assert [report for watch in watched for report in watch.violations] == []
    documents = [document for watch in watched for document in watch.documents]
    assert any("/component/" in url for url, _ in documents), [url for url, _ in documents]
    for url, headers in documents:
        assert headers.get("content-security-policy") == render_nginx.content_security_policy(), url
        assert headers.get("x-frame-options") == "SAMEORIGIN", url
        assert headers.get("strict-transport-security") == "max-age=31536000", url
        assert headers.get("x-content-type-options") == "nosniff", url
        assert headers.get("referrer-policy") == "no-referrer", url
    context.close()
    direct.close()


def fetch(office: Office, path: str, *, method: str = "GET", host: str = replicas.PUBLIC_HOST) -> tuple[int, str, dict]:
    """(status, body, headers) of one request to nginx, the certificate checked against ours."""
    request = urllib.request.Request(f"{office.url}{path}", method=method, headers={"Host": host},
                                     data=b"" if method in ("PUT", "POST") else None)
    context = ssl.create_default_context(cafile=str(office.cert))
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", "replace"), dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8", "replace"), dict(refused.headers)


def test_the_public_server_publishes_only_the_rating_page(office: Office):
    status, body, headers = fetch(office, "/rate?t=x")
    assert status == 200 and '<div id="root">' in body  # Streamlit's shell, which then draws the page
    assert headers["Content-Security-Policy"] == render_nginx.content_security_policy()
    assert fetch(office, "/_stcore/health")[:2] == (200, "ok")
    for path, method in [("/residents", "GET"), ("/", "GET"), ("/_stcore/upload_file/s/f", "PUT"),
                         ("/_stcore/metrics", "GET"), ("/component/x/index.html", "GET"),
                         ("/_stcore/agent/openapi.json", "GET"), ("/app/static/x", "GET")]:
        assert fetch(office, path, method=method)[0] == 404, path
    # The staff server (any other name) answers those: the 404s above are the public block's doing.
    assert fetch(office, "/residents", host=replicas.STAFF_HOST)[0] == 200
    # nginx's log: the public-only replica answered what was let through, nginx itself ("-") the rest.
    assert {line["upstream"] for line in replicas.access_log_lines(office.public_access_log)} == {
        office.public_address, "-"}
