"""Many busy users at once: a load client speaking Streamlit's own websocket protocol.

Each simulated user is one signed-in browser tab: a websocket to `/_stcore/stream` whose
handshake carries the session's auth cookie (a real login recorded server-side, as the browser's
would be), then a BackMsg `rerun_script` for the page's url path every ~3 s (jittered), each
timed from the send to the ForwardMsg `script_finished`. The first run of a tab (its page load)
is not counted. An error is a rerun that shows an exception, a page not found, a run that does
not finish in time, or a connection that fails.

`make bench` runs the table of issue 23 on `make demo`'s data in PostgreSQL: 10, 25 and 50
sessions on each page, against one Streamlit process and against two replicas behind nginx,
and prints p50/p95/max, errors, the server's memory per session, and the CPU the servers, the
load client and PostgreSQL each used (on 2 shared cores the client and the database compete
with the servers: the figures say how much).
"""

from __future__ import annotations

import asyncio
import os
import random
import ssl
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

PACE_SECONDS = (2.0, 4.0)  # a tab reruns every ~3 s, jittered so that tabs do not march in step
RUN_TIMEOUT = 60.0  # a rerun slower than this counts as an error


@dataclass(frozen=True)
class Page:
    url_path: str
    title: str  # as in the table
    role: str


PAGES = (
    Page("profile", "我的账号 (worker), the floor", "worker"),
    Page("residents", "居民 list (worker)", "worker"),
    Page("cases", "调解案件 (worker)", "worker"),
    Page("satisfaction", "满意度分析 (supervisor)", "supervisor"),
    Page("", "首页 dashboard (supervisor)", "supervisor"),
)


@dataclass
class Tally:
    reruns: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _ssl_context(url: str) -> ssl.SSLContext | None:
    if not url.startswith("https"):
        return None
    context = ssl.create_default_context()
    context.check_hostname = False  # the bench's nginx has a self-signed certificate
    context.verify_mode = ssl.CERT_NONE
    return context


def routing_cookie(base_url: str) -> str:
    """The cookie a browser gets from its first page load (nginx's routing cookie, if any)."""
    with urllib.request.urlopen(base_url + "/", timeout=30, context=_ssl_context(base_url)) as response:
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def _rerun_request(url_path: str) -> bytes:
    message = BackMsg()
    message.rerun_script.page_name = url_path
    message.rerun_script.query_string = ""
    return message.SerializeToString()


async def _run_once(websocket, url_path: str) -> tuple[float, str | None]:  # noqa: ANN001
    """Seconds from the rerun request to script_finished, and what went wrong, if anything. A run
    that drew another page than the one asked for (the login form, a page the role may not open)
    is wrong too: its speed would say nothing about the page's."""
    problem = None
    start = time.perf_counter()
    await websocket.send(_rerun_request(url_path))
    while True:
        frame = await asyncio.wait_for(websocket.recv(), timeout=RUN_TIMEOUT)
        message = ForwardMsg()
        message.ParseFromString(frame)
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            elapsed = time.perf_counter() - start
            if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                problem = "compile error"
            return elapsed, problem
        if kind == "page_not_found":
            problem = "page not found"
        elif kind == "navigation":
            ran = [page for page in message.navigation.app_pages
                   if page.page_script_hash == message.navigation.page_script_hash]
            if not ran or ran[0].is_hidden:  # the gate's login form, or a page the role may not open
                problem = f"{url_path!r} not drawn: signed out or not allowed"
            elif ran[0].url_pathname != url_path and not (url_path == "" and ran[0].is_default):
                problem = f"drew {ran[0].url_pathname!r} instead of {url_path!r}"
        elif kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
            problem = "exception: " + message.delta.new_element.exception.message[:80]


async def _tab(ws_url: str, cookie: str, url_path: str, until: float, start_after: float, tally: Tally,
               context: ssl.SSLContext | None) -> None:
    import websockets

    await asyncio.sleep(start_after)
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], additional_headers={"Cookie": cookie},
                                      max_size=None, ssl=context, open_timeout=RUN_TIMEOUT,
                                      ping_interval=None) as websocket:
            _, problem = await _run_once(websocket, url_path)  # the page load: not counted as a rerun
            if problem:
                tally.errors.append(problem)
            while time.perf_counter() < until:
                await asyncio.sleep(random.uniform(*PACE_SECONDS))
                elapsed, problem = await _run_once(websocket, url_path)
                tally.reruns.append(elapsed)
                if problem:
                    tally.errors.append(problem)
    except Exception as failure:  # noqa: BLE001 - every failure counts: refused, timed out, dropped
        tally.errors.append(f"{type(failure).__name__}: {failure}"[:120])


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class Measured:
    page: Page
    sessions: int
    tally: Tally
    # bytes of server RSS per connected tab: the median of samples taken while every tab runs, less
    # the RSS before they connected (tabs of earlier runs linger two minutes in Streamlit's session
    # storage, already counted in the second figure)
    memory_per_session: float
    server_cpu: float  # CPU seconds of the Streamlit processes during the run
    client_cpu: float
    postgres_cpu: float
    seconds: float

    def percentile(self, share: float) -> float:
        ordered = sorted(self.tally.reruns)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.tally.reruns) if self.tally.reruns else float("nan")


def measure(base_url: str, cookies: Sequence[str], page: Page, *, seconds: float, server_pids: Sequence[int]) -> Measured:
    """`len(cookies)` tabs on `page` for `seconds` after they have all started."""
    ws_url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
    context = _ssl_context(base_url)
    sessions = len(cookies)
    ramp = min(3.0, 0.1 * sessions)
    rss_before = sum(rss_bytes(pid) for pid in server_pids)
    cpu_before = sum(process_cpu(pid) for pid in server_pids)
    pg_before = {pid: process_cpu(pid) for pid in postgres_pids()}
    client_before = time.process_time()
    tally = Tally()
    rss_during: list[int] = []

    async def main() -> None:
        until = time.perf_counter() + ramp + seconds
        tabs = [asyncio.create_task(_tab(ws_url, cookie, page.url_path, until, random.uniform(0, ramp), tally, context))
                for cookie in cookies]

        async def sample_memory() -> None:
            await asyncio.sleep(ramp + 1)  # every tab connected and running: one sample a second
            while time.perf_counter() < until:
                rss_during.append(sum(rss_bytes(pid) for pid in server_pids))
                await asyncio.sleep(1)

        await asyncio.gather(*tabs, sample_memory())

    started = time.perf_counter()
    asyncio.run(main())
    return Measured(page, sessions, tally,
                    memory_per_session=(statistics.median(rss_during) - rss_before) / sessions if rss_during else float("nan"),
                    server_cpu=sum(process_cpu(pid) for pid in server_pids) - cpu_before,
                    client_cpu=time.process_time() - client_before,
                    # backends that began during the run count whole; one that ended is lost (the servers
                    # keep pooled connections, so few do)
                    postgres_cpu=sum(process_cpu(pid) - pg_before.get(pid, 0.0) for pid in postgres_pids()),
                    seconds=time.perf_counter() - started)


# -- the bench: make demo's data on PostgreSQL, one process vs two replicas behind nginx --------

def signed_in_cookies(database_url: str, role: str, count: int, base_url: str) -> list[str]:
    """`count` logins of the role's demo accounts (round robin), each recorded server-side as the
    login form would record it, as the Cookie header of a browser that loaded the site first."""
    from sqlalchemy import select

    from core.base import clock
    from core.base import settings as settings_module
    from core.office import auth, users
    from db.engine import make_engine, write_session
    from db.models import User

    settings = settings_module.load()
    engine = make_engine(database_url)
    cookies = []
    with write_session(engine) as session:
        accounts = session.scalars(select(User).where(User.role == role, User.active.is_(True))
                                   .order_by(User.id)).all()
        actors = [users.actor_of(user) for user in accounts]
        now = clock.now()
        for index in range(count):
            actor = actors[index % len(actors)]
            # one login per tab: the server keys a login on its cookie's expiry, so no two coincide
            token, token_exp = auth.new_cookie(actor.username, settings, now=now + timedelta(milliseconds=index))
            auth.start_session(session, actor, token_exp, settings)
            route = routing_cookie(base_url)
            cookies.append("; ".join(part for part in (route, f"{settings.cookie_name}={token}") if part))
    engine.dispose()
    return cookies


def table(rows: list[Measured], levels: Sequence[int]) -> str:
    """The issue's table: p95 per page and number of sessions."""
    lines = ["| page (role) | " + " | ".join(f"{n} sessions" for n in levels) + " |",
             "|---|" + "---|" * len(levels)]
    for page in PAGES:
        cells = []
        for level in levels:
            found = [row for row in rows if row.page == page and row.sessions == level]
            cells.append(f"{found[0].percentile(0.95) * 1000:,.0f} ms" if found else "–")
        lines.append(f"| {page.title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def warm_up(base_url: str, database_url: str, server_pids: Sequence[int]) -> list[str]:
    """Each page opened once by each server before anything is measured (its modules imported,
    its caches filled): a user who comes at 10 a.m. does not pay for the process's start. Returns
    the problems met, which must be none."""
    problems = []
    for page in PAGES:
        for _ in server_pids:  # behind nginx, tabs spread over the replicas by their routing cookie
            cookies = signed_in_cookies(database_url, page.role, 3, base_url)
            problems += measure(base_url, cookies, page, seconds=0, server_pids=server_pids).tally.errors
    return problems


def run_table(emit: Callable, label: str, base_url: str, database_url: str, server_pids: Sequence[int],
              levels: Sequence[int], seconds: float) -> list[Measured]:
    problems = warm_up(base_url, database_url, server_pids)
    if problems:
        raise RuntimeError(f"{label}: pages fail before any load: {problems[:3]}")
    rows = []
    for level in levels:
        for page in PAGES:
            cookies = signed_in_cookies(database_url, page.role, level, base_url)
            row = measure(base_url, cookies, page, seconds=seconds, server_pids=server_pids)
            rows.append(row)
            emit(f"load_{label}_{page.url_path or 'home'}_{level}_p95", row.percentile(0.95), 0.5 if page.url_path
                 != "profile" else 0.2, "s", "ratio <= 1 (p95 target of issue 23)", setup=label, sessions=level,
                 p50_ms=round(row.p50 * 1000), max_ms=round(max(row.tally.reruns, default=0) * 1000),
                 reruns=len(row.tally.reruns), errors=len(row.tally.errors), first_errors=row.tally.errors[:3],
                 memory_per_session_mb=round(row.memory_per_session / 2**20, 2),
                 reruns_per_s=round(len(row.tally.reruns) / seconds, 1),
                 cpu_s={"servers": round(row.server_cpu, 1), "load_client": round(row.client_cpu, 1),
                        "postgres": round(row.postgres_cpu, 1), "wall": round(row.seconds, 1)},
                 baseline_is="the p95 target")
    home, listing = ([row for row in rows if row.page.url_path == path and row.sessions == levels[0]][0]
                     for path in ("", "residents"))
    emit(f"load_{label}_home_vs_residents_{levels[0]}_cpu_per_rerun", home.server_cpu / len(home.tally.reruns),
         listing.server_cpu / len(listing.tally.reruns), "s", "ratio <= 2 (issue 23: the dashboard's rerun cost)",
         baseline_is=f"server CPU per rerun of the residents list (worker), {levels[0]} sessions",
         p50_ratio=round(home.p50 / listing.p50, 2),
         p95_ratio=round(home.percentile(0.95) / listing.percentile(0.95), 2))
    print(f"\n{label}:\n{table(rows, levels)}\n", flush=True)
    return rows


def demo_database() -> str:
    """A fresh PostgreSQL database holding `make demo`'s data (the bench's own; dropped at exit)."""
    import atexit

    from core import demo
    from db import migrate
    from db.engine import make_engine
    from tests.conftest import create_pg_database, drop_pg_database

    url = create_pg_database()
    atexit.register(drop_pg_database, url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo.seed(engine)
    engine.dispose()
    return url


def child_pids(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run_all(emit: Callable, levels: Sequence[int] = (10, 25, 50)) -> None:
    """The table for one Streamlit process on PostgreSQL (the baseline), then for two replicas
    behind nginx with TLS, as deploy/ sets them up."""
    from tests import replicas
    from tests.bench.run import bench_keys
    from tests.e2e.conftest import start_streamlit

    seconds = float(os.environ.get("LINLI_BENCH_LOAD_SECONDS", "20"))
    os.environ.update(bench_keys())
    database_url = demo_database()
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-load-"))
    process, url = start_streamlit(database_url, folder / "one.log")
    try:
        one = run_table(emit, "one_process", url, database_url, [process.pid], levels, seconds)
    finally:
        replicas.stop(process)
    if not replicas.nginx_available():
        print(f'{{"figure": "load_two_replicas", "skipped": "no nginx at {replicas.NGINX}"}}', flush=True)
        return
    servers = [start_streamlit(database_url, folder / f"replica{n}.log") for n in (1, 2)]
    proxy = None
    try:
        proxy, proxy_url, _ = replicas.start_nginx(folder / "nginx", [address.removeprefix("http://")
                                                                      for _, address in servers])
        proxy_cpu = sum(process_cpu(pid) for pid in [proxy.pid, *child_pids(proxy.pid)])
        two = run_table(emit, "two_replicas", proxy_url, database_url, [server.pid for server, _ in servers],
                        levels, seconds)
        emit("load_nginx_cpu_share", sum(process_cpu(pid) for pid in [proxy.pid, *child_pids(proxy.pid)]) - proxy_cpu,
             sum(row.server_cpu for row in two), "s", "informational",
             baseline_is="CPU of the two replicas over the same runs")
    finally:
        if proxy is not None:
            replicas.stop(proxy)
        for server, _ in servers:
            replicas.stop(server)
    for page in PAGES:  # two replicas against one process, at the highest load
        a = [row for row in one if row.page == page and row.sessions == levels[-1]][0]
        b = [row for row in two if row.page == page and row.sessions == levels[-1]][0]
        emit(f"load_two_replicas_vs_one_{page.url_path or 'home'}_{levels[-1]}_p95", b.percentile(0.95),
             a.percentile(0.95), "s", "informational", baseline_is=f"one process, {levels[-1]} sessions")
