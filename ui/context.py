"""Settings and the database engine for this server process."""

from __future__ import annotations

import logging
import sys

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from core.base import config_check, file_safety, keys
from core.base import settings as settings_module
from core.base.crypto import Vault
from core.base.settings import Settings
from core.office import bootstrap
from db.engine import database_trouble, make_engine, write_session
from ui.i18n import t

_log = logging.getLogger("linli")


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def settings_or_stop() -> Settings:
    """Refuse to run with unsafe settings or a weakened Streamlit configuration."""
    try:
        settings = settings_module.load(secrets=_secrets())
    except ValueError as exc:
        st.error(t("startup.refused"))
        st.code(str(exc), language=None)
        st.stop()
    options = {name: st.get_option(name) for name in config_check.REQUIRED}
    problems = settings_module.problems(settings) + config_check.problems(options)
    if problems:
        st.error(t("startup.refused"))
        st.code("\n".join(problems), language=None)
        st.stop()
    return settings


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """One engine per database URL per process, migrated and bootstrapped once.

    The URL is the cache key, so AppTests with different databases never share one.
    """
    file_safety.private_umask()  # the database, its -wal and -shm: readable by Linli's account only
    engine = make_engine(url)
    for warning in file_safety.too_open(url):
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    admin = bootstrap.prepare(engine)
    if admin:
        print(bootstrap.admin_banner(*admin), file=sys.stdout, flush=True)
    return engine


def engine(settings: Settings) -> Engine:
    return engine_for(settings.database_url)


@st.cache_resource(show_spinner=False)
def vault_for(url: str, encryption_key: str, hash_key: str) -> Vault:
    """The ID-number keys, checked once per process against the database they protect."""
    vault = Vault(encryption_key, hash_key)
    with write_session(engine_for(url)) as session:
        keys.check_database_key(session, vault)
    return vault


def vault(settings: Settings) -> Vault:
    return vault_for(settings.database_url, settings.id_encryption_key, settings.id_hash_key)


def database_failed(failure: DBAPIError) -> None:
    """A database that cannot be written or reached: the user reads why and what to do in their
    language (not Streamlit's English "This app has encountered an error"); the cause is logged."""
    trouble = database_trouble(failure) or "other"
    _log.error("database %s: %s", trouble, failure)
    st.error(t(f"error.database.{trouble}"), icon=":material/database:")


def vault_or_stop(settings: Settings) -> Vault:
    """Refuse to run with keys that do not decrypt this database, rather than show garbage."""
    try:
        return vault(settings)
    except keys.KeyMismatch:
        st.error(t("startup.key_mismatch"))
        st.stop()
