"""What a page needs from the run: the acting user and the database."""

from __future__ import annotations

import threading

import streamlit as st
from sqlalchemy import Engine

from core.base import settings as settings_module
from core.base.crypto import Vault
from core.base.permissions import Actor
from core.base.settings import Settings
from ui.auth import ACTOR_KEY
from ui.context import _secrets, engine_for, vault_for

# What app.py resolved at the top of this run. A script run happens on its session's own
# thread, so a thread-local never leaks between sessions; it spares each page two resource
# cache lookups (each hashes its arguments: ~0.2 ms apiece on every rerun).
_this_run = threading.local()


def use_for_this_run(engine: Engine, vault: Vault) -> None:
    _this_run.engine, _this_run.vault = engine, vault


def actor() -> Actor:
    """The logged-in user; app.py resolved it before running the page."""
    current = st.session_state.get(ACTOR_KEY)
    if current is None:  # a page is only ever run by app.py after the gate
        st.stop()
    return current


def settings() -> Settings:
    return settings_module.load(secrets=_secrets())


def db() -> Engine:
    known = getattr(_this_run, "engine", None)
    return known if known is not None else engine_for(settings().database_url)


def vault() -> Vault:
    known = getattr(_this_run, "vault", None)
    if known is not None:
        return known
    current = settings()
    return vault_for(current.database_url, current.id_encryption_key, current.id_hash_key)


def database_key(engine: Engine) -> str:
    """Which database a kept figure belongs to. st.cache_data is shared by the whole process
    (and by every AppTest of a test run): two databases can be at the same audit mark or data
    version, so a key without this would hand one database's figures to the other."""
    return engine.url.render_as_string(hide_password=True)
