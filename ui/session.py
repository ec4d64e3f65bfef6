"""What a page needs from the run: the acting user and the database."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from core import settings as settings_module
from core.crypto import Vault
from core.permissions import Actor
from core.settings import Settings
from ui.auth import ACTOR_KEY
from ui.context import _secrets, engine_for, vault_for


def actor() -> Actor:
    """The logged-in user; app.py resolved it before running the page."""
    current = st.session_state.get(ACTOR_KEY)
    if current is None:  # a page is only ever run by app.py after the gate
        st.stop()
    return current


def settings() -> Settings:
    return settings_module.load(secrets=_secrets())


def db() -> Engine:
    return engine_for(settings().database_url)


def vault() -> Vault:
    current = settings()
    return vault_for(current.database_url, current.id_encryption_key, current.id_hash_key)
