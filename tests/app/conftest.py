"""AppTest fixtures: the real app.py on a fresh SQLite database per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from db import migrate
from db.engine import make_engine
from tests.factories import PASSWORD, World, make_world

APP = Path(__file__).resolve().parents[2] / "app.py"


@dataclass
class AppWorld:
    engine: Engine
    world: World


@pytest.fixture
def app_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppWorld]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LINLI_FILES_DIR", str(tmp_path / "files"))  # certificates uploaded by a test stay in it
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield AppWorld(engine, make_world(engine))
    engine.dispose()


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=30)


def login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()  # the form's submit button is the only button on the login screen
    return at.run()


def texts(at: AppTest) -> str:
    """Everything a user reads on the screen, joined, for 'is it there' assertions."""
    parts = [e.value for e in at.title] + [e.value for e in at.subheader] + [e.value for e in at.markdown]
    parts += [e.value for e in at.caption] + [e.value for e in at.error] + [e.value for e in at.success]
    parts += [e.value for e in at.info] + [e.value for e in at.warning]
    return "\n".join(str(p) for p in parts)


def open_url(at: AppTest, url_path: str) -> AppTest:
    """Open /url_path as a browser deep link does.

    AppTest.switch_page() only knows pages backed by files, but logged out every url
    path is registered with the gate screen; st.Page hashes its url path, so select
    the page by that hash.
    """
    at._page_hash = calc_hash(url_path)
    return at.run()
