"""The login gate: who is acting on this rerun, login, forced password change, logout.

streamlit-authenticator owns the cookie (set, delete); Linli owns everything else
(see core.office.auth). A login takes two runs: the form run checks the password and
reruns; the next run sets the cookie and records the server-side session.

The cookie components are drawn only while a set or delete is under way (a "cookie
job"), not on every run: its getAll component reports the browser's cookies when it
mounts, and that report reruns the script. Drawn on every run, it ran each freshly
opened page twice, the second run a moment after the page showed. Reading the cookie
needs no component (st.context.cookies). A job's component is drawn again on every run
until it reports that it wrote or deleted the cookie, so a rerun cannot drop it half way.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy import Engine

from core.base import clock
from core.base.errors import LinliError
from core.base.permissions import Actor
from core.base.settings import Settings
from core.office import auth, users
from db.engine import read_session, write_session
from ui.i18n import LANG_KEY, error_text, relabel_choices, set_language, t

AUTH_KEY = "linli_auth"  # {"user_id", "token_exp"} of an established login
PENDING_KEY = "linli_pending_login"  # {"user_id"}: password checked, cookie not yet set
ACTOR_KEY = "linli_actor"  # the Actor resolved on this run, for pages
NOTICE_KEY = "linli_notice"  # a message to show on the login screen after logout
LOGOUT_KEY = "linli_logout"  # notice key: log out at the top of the next run
COOKIE_JOB_KEY = "linli_cookie_job"  # {"method": "set", "token", "expires_at"} or {"method": "delete"}
# Widget state of the cookie component rendered before logout runs; deleting it breaks the rerun.
_KEEP_ON_LOGOUT = (LANG_KEY, "init")


def authenticator(settings: Settings) -> stauth.Authenticate:
    """The one Authenticate object of this run (a second would clash on its component key)."""
    return stauth.Authenticate(
        {"usernames": {}},
        cookie_name=settings.cookie_name,
        cookie_key=settings.cookie_key,
        cookie_expiry_days=settings.cookie_expiry_hours / 24,
        auto_hash=False,
        login_sleep_time=0,
    )


def current_user(engine: Engine, settings: Settings) -> Actor | None:
    if LOGOUT_KEY in st.session_state:
        _log_out(engine, settings, st.session_state[LOGOUT_KEY])
    actor = _finish_pending_login(engine, settings) or _from_session_state(engine) or _from_cookie(engine, settings)
    st.session_state[ACTOR_KEY] = actor
    _draw_cookie_job(settings)
    return actor


def _draw_cookie_job(settings: Settings) -> None:
    """The component of a pending cookie set or delete, until the browser reports it done."""
    job = st.session_state.get(COOKIE_JOB_KEY)
    if job is None:
        return
    if st.session_state.get(job["method"]) is True:  # the component's value, keyed "set" / "delete"
        del st.session_state[COOKIE_JOB_KEY]
        return
    model = authenticator(settings).cookie_controller.cookie_model
    if job["method"] == "set":
        model.cookie_manager.set(model.cookie_name, job["token"], expires_at=job["expires_at"])
    else:
        # The manager then forgets the cookie from a cache Linli never fills (cookies are read
        # from st.context), and the library's delete_cookie prints that KeyError on every logout.
        with contextlib.suppress(KeyError):
            model.cookie_manager.delete(model.cookie_name)


def _start_cookie_job(job: dict) -> None:
    st.session_state[COOKIE_JOB_KEY] = job
    for method in ("set", "delete"):  # a value left by an earlier job must not end this one
        st.session_state.pop(method, None)


def _finish_pending_login(engine: Engine, settings: Settings) -> Actor | None:
    pending = st.session_state.pop(PENDING_KEY, None)
    if not pending:
        return None
    with read_session(engine) as session:
        user = users.get_user(session, pending["user_id"])
        actor = users.actor_of(user) if user.active else None
    if actor is None:
        return None
    st.session_state["username"] = actor.username
    st.session_state["authentication_status"] = True
    token, token_exp = auth.new_cookie(actor.username, settings)
    _start_cookie_job({"method": "set", "token": token, "expires_at": datetime.fromtimestamp(token_exp)})
    with write_session(engine) as session:
        auth.start_session(session, actor, token_exp, settings)
    st.session_state[AUTH_KEY] = {"user_id": actor.id, "token_exp": token_exp}
    return actor


def _from_session_state(engine: Engine) -> Actor | None:
    state = st.session_state.get(AUTH_KEY)
    if not state:
        return None
    with read_session(engine) as session:
        actor = auth.resume(session, user_id=state["user_id"], token_exp=state["token_exp"])
    if actor is None:  # logged out elsewhere, password changed, account disabled, expired
        forget_everything()
    return actor


def _from_cookie(engine: Engine, settings: Settings) -> Actor | None:
    claims = auth.decode_cookie(st.context.cookies.get(settings.cookie_name), settings.cookie_key)
    if claims is None:
        return None
    username, token_exp = claims
    with read_session(engine) as session:
        actor = auth.resume(session, username=username, token_exp=token_exp)
    if actor is not None:
        st.session_state[AUTH_KEY] = {"user_id": actor.id, "token_exp": token_exp}
        st.session_state["username"] = actor.username
        st.session_state["authentication_status"] = True
        set_language(actor.language)
    return actor


def forget_everything() -> None:
    """Drop all session state but the language: no PII survives a logout."""
    for key in list(st.session_state.keys()):
        if key not in _KEEP_ON_LOGOUT:
            del st.session_state[key]


def login_screen(engine: Engine, settings: Settings) -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(t("app.title"))
        st.caption(t("app.tagline"))
        language_switch(None, engine)
        notice = st.session_state.get(NOTICE_KEY)  # kept until the next login: reruns must not eat it
        if notice:
            st.success(t(notice))
        with st.form("login", clear_on_submit=True):
            st.subheader(t("login.title"))
            username = st.text_input(t("login.username"), max_chars=auth.USERNAME_INPUT_MAX, key="login_username")
            password = st.text_input(t("login.password"), type="password", max_chars=200, key="login_password")
            submitted = st.form_submit_button(t("login.submit"), type="primary")
        if not submitted:
            return
        result = auth.login(engine, username, password, settings)
        if result.ok:
            assert result.actor is not None
            st.session_state.pop(NOTICE_KEY, None)
            st.session_state[PENDING_KEY] = {"user_id": result.actor.id}
            set_language(result.actor.language)
            st.rerun()
        elif result.refusal == "locked":
            until = result.locked_until.strftime("%H:%M") if result.locked_until else ""
            st.error(t("login.locked", until=until))
        else:
            st.error(t("login.invalid"))


def password_form(engine: Engine, settings: Settings, actor: Actor, *, key: str) -> None:
    with st.form(key, clear_on_submit=True):
        current = st.text_input(t("field.current_password"), type="password", key=f"{key}_current")
        new = st.text_input(t("field.new_password"), type="password", key=f"{key}_new",
                            help=t("password.rules"))
        confirm = st.text_input(t("field.confirm_password"), type="password", key=f"{key}_confirm")
        submitted = st.form_submit_button(t("password.submit"), type="primary")
    if not submitted:
        return
    try:
        with write_session(engine) as session:
            users.change_own_password(session, actor, current=current, new=new, confirm=confirm)
    except LinliError as exc:
        if getattr(exc, "field", "") == "current_password" and auth.wrong_current_password(engine, actor, settings):
            request_logout("password.locked_out")
        st.error(error_text(exc))
        return
    request_logout("password.changed")


def forced_password_screen(engine: Engine, settings: Settings, actor: Actor) -> None:
    st.title(t("password.forced_title"))
    st.info(t("password.forced_explain"))
    password_form(engine, settings, actor, key="forced_password")
    if st.button(t("logout.button"), key="forced_logout"):
        request_logout()


def request_logout(notice: str = "logout.done") -> None:
    """Log out at the top of the next run, before any widget of this one is drawn again."""
    st.session_state[LOGOUT_KEY] = notice
    st.rerun()


def _log_out(engine: Engine, settings: Settings, notice: str) -> None:
    """Revoke the server-side session, delete the cookie, forget the session state.

    Then stop: the delete component's report reruns the app, which shows the login form.
    """
    state = st.session_state.get(AUTH_KEY) or {}
    if state:
        with write_session(engine) as session:
            user = users.get_user(session, state["user_id"])
            auth.logout(session, users.actor_of(user), state.get("token_exp"), now=clock.now())
    forget_everything()
    _start_cookie_job({"method": "delete"})
    _draw_cookie_job(settings)
    st.session_state[NOTICE_KEY] = notice
    st.success(t(notice))
    st.stop()


def language_switch(actor: Actor | None, engine: Engine, *, container=st) -> None:  # noqa: ANN001
    from core.base.i18n import LANGUAGES

    current = st.session_state.get(LANG_KEY, "zh-CN")
    choice = container.selectbox(
        t("language.label"), list(LANGUAGES), index=list(LANGUAGES).index(current) if current in LANGUAGES else 0,
        format_func=LANGUAGES.get, key=f"language_switch_{'user' if actor else 'anon'}",
    )
    if choice != current:
        set_language(choice)
        relabel_choices()  # allowed here: the page draws its widgets after the sidebar
        if actor is not None:
            with write_session(engine) as session:
                users.set_language(session, actor, choice)
        st.rerun()
