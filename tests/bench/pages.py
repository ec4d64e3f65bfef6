"""Page-level benchmarks for the satisfaction issue: AppTest reruns of real screens.

- the satisfaction page at 200,000 ratings vs 1,000 (wall time), and the bytes each chart sends;
- server CPU per rerun (process time of the AppTest run, which executes the script in this
  process) of that page at 200,000 ratings vs a page with no data (my account);
- the home dashboard at full demo size vs the same page with no data.
Runs are alternated so that load on a shared machine hits both sides of each ratio.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import select

from core import demo
from core.base import passwords
from core.base.permissions import Actor
from core.office import communities, users
from db import migrate
from db.engine import make_engine, write_session
from db.models import Community
from tests.bench.apps import logged_in_app
from tests.bench.load import process_cpu
from tests.bench.residents import _fresh_database
from tests.bench.satisfaction import _fill

REPEATS = 15


def _rerun(at) -> tuple[float, float]:  # noqa: ANN001
    """(wall, CPU) seconds of one rerun; the DATABASE_URL of the app is set before each run."""
    wall, cpu = time.perf_counter(), time.process_time()
    at.run()
    return time.perf_counter() - wall, time.process_time() - cpu


def _alternate(pairs: list[tuple[str, object]]) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) per named app, the apps rerun in turn."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in pairs}
    for _ in range(REPEATS):
        for name, (url, at) in pairs:
            os.environ["DATABASE_URL"] = url
            samples[name].append(_rerun(at))
    return {name: (statistics.median(s[0] for s in rows), statistics.median(s[1] for s in rows))
            for name, rows in samples.items()}


def satisfaction_page(emit) -> None:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-pages-"))
    small_url, small_engine, small_world = _fresh_database(folder, "small.db")
    _fill(small_engine, small_world, 1_000)
    big_url, big_engine, big_world = _fresh_database(folder, "big.db")
    _fill(big_engine, big_world, 200_000)
    small = logged_in_app(small_url, "satisfaction")
    big = logged_in_app(big_url, "satisfaction")
    no_data = logged_in_app(big_url, "profile")
    assert len(big.get("vega_lite_chart")) == 3
    times = _alternate([("small", (small_url, small)), ("big", (big_url, big)), ("none", (big_url, no_data))])
    emit("satisfaction_page_rerun_200k_vs_1k", times["big"][0], times["small"][0], "s", "ratio <= 1.5",
         baseline_is="the same AppTest rerun at 1,000 ratings", repeats=REPEATS)
    sizes = [len(chart.proto.SerializeToString()) for chart in big.get("vega_lite_chart")]
    emit("satisfaction_page_largest_chart_bytes", float(max(sizes)), 10_000.0, "bytes", "value <= 10000 (ratio <= 1)",
         baseline_is="the 10 KB limit", charts=sizes, measured_as="the chart element's protobuf as sent")
    emit("satisfaction_page_apptest_cpu_vs_no_data", times["big"][1], times["none"][1], "s", "informational",
         baseline_is="AppTest CPU of a rerun of my account (AppTest compiles the page file on every run; "
                     "the server figure below does not)", repeats=REPEATS)
    empty_url, _, _ = _fresh_database(folder, "empty.db")
    server_cpu(emit, big_url, empty_url)


@contextlib.contextmanager
def _signed_in_server(browser, url: str) -> Iterator[tuple[Callable[[str, str, int], float], int]]:  # noqa: ANN001
    """A real Linli server on `url` with supervisor1 signed in; yields a function that returns the
    server's CPU seconds per rerun of a page, and the server's pid."""
    from playwright.sync_api import expect

    from tests.e2e.conftest import start_streamlit

    process, base = start_streamlit(url, Path(tempfile.mkdtemp(prefix="linli-bench-server-")) / "streamlit.log")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/profile")
        page.get_by_label("用户名").fill("supervisor1")
        page.get_by_label("密码").fill("Secret123")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("我的账号").first).to_be_visible(timeout=60_000)
        # The session cookie is set on the run after login; wait for it before leaving the page.
        for _ in range(100):
            if any(c["name"] == "linli_auth" for c in page.context.cookies()):
                break
            time.sleep(0.1)

        def per_rerun(path: str, ready: str, reruns: int) -> float:
            page.goto(f"{base}/{path}")
            expect(page.get_by_text(ready).first).to_be_visible(timeout=60_000)
            time.sleep(1.0)
            start = process_cpu(process.pid)
            for _ in range(reruns):
                page.keyboard.press("r")  # Streamlit's rerun shortcut
                time.sleep(0.5)  # paced: each rerun finishes before the next starts
            return (process_cpu(process.pid) - start) / reruns

        yield per_rerun, process.pid
    finally:
        page.close()
        process.terminate()
        process.wait(timeout=10)


def server_cpu(emit, url: str, empty_url: str, reruns: int = 20) -> None:  # noqa: ANN001
    """A real server and Debian's Chromium: CPU the server spends per rerun of the satisfaction
    page at 200,000 ratings, against the same page with no ratings (a second server on an empty
    database) and against my account (a page that reads no data)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

    if not Path(CHROMIUM).exists():
        print(f'{{"figure": "satisfaction_server_cpu_per_rerun_vs_no_data", "skipped": "no Chromium at {CHROMIUM}"}}')
        return
    samples: dict[str, list[float]] = {"full": [], "empty": [], "profile": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        with _signed_in_server(browser, url) as (full, _), _signed_in_server(browser, empty_url) as (empty, _):
            for _ in range(3):
                samples["full"].append(full("satisfaction", "每月平均分与满意率", reruns))
                samples["empty"].append(empty("satisfaction", "每月平均分与满意率", reruns))
                samples["profile"].append(full("profile", "我的账号", reruns))
        browser.close()
    full_cpu = statistics.median(samples["full"])
    emit("satisfaction_server_cpu_per_rerun_vs_no_data", full_cpu, statistics.median(samples["empty"]), "s",
         "ratio <= 1.5", baseline_is="server CPU per rerun of the same page with no ratings (empty database); "
         "real server driven by Chromium", reruns=reruns * 3)
    emit("satisfaction_server_cpu_per_rerun_vs_my_account", full_cpu, statistics.median(samples["profile"]), "s",
         "informational", baseline_is="server CPU per rerun of my account (a page that reads no data)",
         reruns=reruns * 3)


def _with_bench_supervisor(url: str, *, with_demo: bool) -> str:
    engine = make_engine(url)
    migrate.upgrade(engine)
    passwords.ROUNDS = 4
    if with_demo:
        demo.seed(engine)
    with write_session(engine) as session:  # demo passwords are random: a known account for the bench
        community = session.scalar(select(Community).order_by(Community.id).limit(1))
        if community is None:  # the empty side: a community set up, with nothing in it yet
            community = communities.create_community(session, Actor(id=0, username="bench", role="sysadmin"), name="空社区")
        users.create_user(session, None, username="bench.sup", display_name="Bench", role="supervisor",
                          password="Bench12345", must_change_password=False, community_id=community.id)
    engine.dispose()
    return url


def home_dashboard(emit) -> None:  # noqa: ANN001
    """The supervisor's home dashboard at full demo size vs the same dashboard with no data."""
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-home-"))
    full_url = _with_bench_supervisor(f"sqlite:///{folder / 'demo.db'}", with_demo=True)
    empty_url = _with_bench_supervisor(f"sqlite:///{folder / 'empty.db'}", with_demo=False)
    full = logged_in_app(full_url, "home", "bench.sup", "Bench12345")
    assert full.metric, "the dashboard drew no key figures"
    empty = logged_in_app(empty_url, "home", "bench.sup", "Bench12345")
    account = logged_in_app(full_url, "profile", "bench.sup", "Bench12345")
    times = _alternate([("full", (full_url, full)), ("empty", (empty_url, empty)), ("account", (full_url, account))])
    emit("home_dashboard_rerun_demo_vs_no_data", times["full"][0], times["empty"][0], "s", "ratio <= 2",
         baseline_is="AppTest rerun of the same dashboard on a database with no data", repeats=REPEATS,
         cpu_ratio=round(times["full"][1] / times["empty"][1], 2),
         vs_my_account=round(times["full"][0] / times["account"][0], 2))


def run_all(emit) -> None:  # noqa: ANN001
    satisfaction_page(emit)
    home_dashboard(emit)
