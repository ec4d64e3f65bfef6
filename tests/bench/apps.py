"""An AppTest of the whole app, logged in and opened at a url path, for the page benchmarks."""

from __future__ import annotations

import os

from tests.factories import PASSWORD  # every user make_world creates has it


def logged_in_app(url: str, path: str, username: str = "supervisor1", password: str = PASSWORD):  # noqa: ANN201
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, login, open_url

    os.environ["DATABASE_URL"] = url
    at = login(AppTest.from_file(str(APP), default_timeout=60), username, password)
    assert not at.exception and at.title, f"bench login failed for {username}"
    open_url(at, path)
    assert not at.exception, at.exception
    return at
