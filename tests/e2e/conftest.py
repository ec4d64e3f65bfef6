"""A real Linli server (streamlit run) on a free port, and Debian's Chromium through Playwright.

Under CI=true a missing Chromium is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from db import migrate
from db.engine import make_engine
from tests.conftest import IN_CI
from tests.factories import World, make_world

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not answer /_stcore/health in time")


def start_streamlit(database_url: str, log_path: Path, *, port: int | None = None,
                    env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """A server on `port` (default: a free one), with `env` on top of the test run's environment
    (e.g. LINLI_PUBLIC_ONLY=1). The log is appended to: a replica restarted keeps its history."""
    port = port or free_port()
    # keys: set by tests/conftest.py; uploaded certificates beside the server's log
    env = {**os.environ, "DATABASE_URL": database_url, "LINLI_FILES_DIR": str(log_path.parent / "files"),
           **(env or {})}
    log = log_path.open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none"],  # a file saved while the suite runs must not restart pages
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
    except RuntimeError:
        process.kill()
        raise RuntimeError(log_path.read_text()) from None
    return process, url


@dataclass
class Server:
    url: str
    world: World
    engine: object


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{folder / 'e2e.db'}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    world = make_world(engine)
    process, url = start_streamlit(database_url, folder / "streamlit.log")
    yield Server(url, world, engine)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM}")
        pytest.skip("Chromium not installed (apt-get install chromium); CI runs these")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a shared, noisy machine: allow slow reruns, never a fixed sleep
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def idle(page) -> None:  # noqa: ANN001
    """Wait until the script run is over, so that what is clicked or measured next is that run's
    final screen (an element of the run before may be replaced under the pointer)."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def choose(page, label: str, option: str) -> None:  # noqa: ANN001
    """Pick an option of a select box by typing it, and wait for the run it starts. The run before
    must be over first: a select box it replaces drops the choice made in it."""
    idle(page)
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    idle(page)
