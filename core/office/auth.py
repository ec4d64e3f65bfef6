"""Login, lockout and server-side sessions.

The cookie is streamlit-authenticator's: a JWT of username and exp_date signed with
cookie_key, which its cookie component writes and deletes in the browser. Everything it
does not do safely is here: bcrypt against a dummy hash for unknown names, lockout in
the database, and a session row per login that is checked on every rerun, so logout,
password change and disabling end a session even if the old cookie is replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, selectinload

from core.base import audit, clock, passwords
from core.base.permissions import Actor
from core.base.settings import Settings
from core.office.users import actor_of, normalise_username
from db.engine import read_session, write_session
from db.models import AuthSession, Community, LoginAttempt, User

USERNAME_INPUT_MAX = 64


@dataclass(frozen=True)
class LoginResult:
    actor: Actor | None
    refusal: str = ""  # "" | "invalid" | "locked"
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.actor is not None


def _lock_state(session: Session, username: str) -> LoginAttempt:
    """The user name's failure counter, locked for this transaction.

    SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL the row is
    created first if missing (ON CONFLICT DO NOTHING), so FOR UPDATE has a row to lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(LoginAttempt).values(username=username, failures=0)
                        .on_conflict_do_nothing(index_elements=["username"]))
        return session.scalar(select(LoginAttempt).where(LoginAttempt.username == username).with_for_update())
    attempt = session.get(LoginAttempt, username)
    if attempt is None:
        attempt = LoginAttempt(username=username, failures=0)
        session.add(attempt)
    return attempt


def login(engine: Engine, username: str, password: str, settings: Settings, *, now: datetime | None = None) -> LoginResult:
    """Check a user name and password. One refusal for unknown user and wrong password alike.

    bcrypt (a quarter of a second) runs outside the write transaction, so logins never
    hold SQLite's write lock while hashing.
    """
    now = now or clock.now()
    name = normalise_username(username)[:USERNAME_INPUT_MAX]
    with read_session(engine) as session:
        stored_hash = session.scalar(select(User.password_hash).where(User.username == name)) if name else None
    # bcrypt runs on every path so that no refusal is faster than another.
    password_ok = passwords.verify(password or "", stored_hash)
    with write_session(engine) as session:
        return _settle(session, name, password_ok, stored_hash, settings, now)


def _settle(session: Session, name: str, password_ok: bool, checked_hash: str | None, settings: Settings,
            now: datetime) -> LoginResult:
    if not name:
        return _record_failure(session, name, None, settings, now)
    user = session.scalar(select(User).options(selectinload(User.grids)).where(User.username == name))
    attempt = _lock_state(session, name)
    community = user.community_id if user is not None else None  # whose trail a refusal is in
    if attempt.locked_until and attempt.locked_until > now:
        audit.record(session, None, "login_locked", object_type="user", object_id=name, actor_username=name, now=now,
                     community_id=community)
        return LoginResult(None, "locked", attempt.locked_until)

    # The hash checked must still be the account's: a password reset in between voids the check.
    if password_ok and user is not None and user.active and user.password_hash == checked_hash:
        session.expunge(attempt) if attempt in session.new else session.delete(attempt)
        actor = actor_of(user)
        audit.record(session, actor, "login", object_type="user", object_id=user.id, now=now)
        return LoginResult(actor)

    return _record_failure(session, name, attempt, settings, now, community)


def _record_failure(session: Session, name: str, attempt: LoginAttempt | None, settings: Settings, now: datetime,
                    community: int | None = None) -> LoginResult:
    audit.record(session, None, "login_failed", object_type="user", object_id=name, actor_username=name, now=now,
                 community_id=community)
    if not name:
        return LoginResult(None, "invalid")
    window = timedelta(minutes=settings.lockout_window_minutes)
    attempt = attempt or _lock_state(session, name)
    if attempt.first_failure_at is None or now - attempt.first_failure_at > window:
        attempt.failures, attempt.first_failure_at, attempt.locked_until = 0, now, None
    attempt.failures += 1
    attempt.last_failure_at = now
    if attempt.failures >= settings.lockout_failures:
        attempt.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        audit.record(session, None, "lockout", object_type="user", object_id=name, actor_username=name,
                     after={"locked_until": attempt.locked_until.isoformat(), "failures": attempt.failures}, now=now,
                     community_id=community)
    return LoginResult(None, "invalid")


def wrong_current_password(engine: Engine, actor: Actor, settings: Settings, *, now: datetime | None = None) -> bool:
    """Count a wrong current password (password change) like a failed login.

    Someone at an unlocked screen cannot guess the password without limit: at the
    lockout threshold this returns True and the caller ends the session.
    """
    now = now or clock.now()
    with write_session(engine) as session:
        attempt = _lock_state(session, actor.username)
        _record_failure(session, actor.username, attempt, settings, now, actor.community_id)
        return bool(attempt.locked_until and attempt.locked_until > now)


def start_session(session: Session, actor: Actor, token_exp: float, settings: Settings, *, now: datetime | None = None) -> None:
    """Record the login whose cookie carries this exp_date."""
    now = now or clock.now()
    session.add(
        AuthSession(
            user_id=actor.id,
            token_exp=token_exp,
            created_at=now,
            expires_at=now + timedelta(hours=settings.cookie_expiry_hours),
        )
    )


def resume(session: Session, *, token_exp: float, now: datetime | None = None,
           username: str | None = None, user_id: int | None = None) -> Actor | None:
    """The acting user if this login is still open: not revoked, not expired, account active."""
    now = now or clock.now()
    query = (
        select(User)
        .join(AuthSession, AuthSession.user_id == User.id)
        .options(selectinload(User.grids), selectinload(User.community).selectinload(Community.grids))
        .where(
            AuthSession.token_exp == token_exp,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
            User.active.is_(True),
        )
    )
    if user_id is not None:
        query = query.where(User.id == user_id)
    elif username:
        query = query.where(User.username == normalise_username(username))
    else:
        return None
    user = session.scalar(query)
    return actor_of(user) if user else None


def logout(session: Session, actor: Actor, token_exp: float | None, *, now: datetime | None = None) -> None:
    now = now or clock.now()
    if token_exp is not None:
        session.execute(
            AuthSession.__table__.update()
            .where(AuthSession.user_id == actor.id, AuthSession.token_exp == token_exp, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="logout")
        )
    audit.record(session, actor, "logout", object_type="user", object_id=actor.id, now=now)


def new_cookie(username: str, settings: Settings, *, now: datetime | None = None) -> tuple[str, float]:
    """(token, exp_date) for a new login: the JWT streamlit-authenticator writes and reads back."""
    # To the microsecond, like streamlit-authenticator's own exp_date: the session row is keyed by
    # (user, exp_date), and two logins of one user in the same second are two sessions.
    exp = ((now or datetime.now()) + timedelta(hours=settings.cookie_expiry_hours)).timestamp()
    return jwt.encode({"username": username, "exp_date": exp}, settings.cookie_key, algorithm="HS256"), exp


def decode_cookie(token: Any, cookie_key: str) -> tuple[str, float] | None:
    """(username, exp_date) from a cookie we signed, or None for anything else.

    Refuses forged signatures, alg=none, truncated or malformed tokens without raising.
    """
    if not isinstance(token, str) or not token or not cookie_key:
        return None
    try:
        claims = jwt.decode(token, cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    username, exp = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return None
    if exp <= clock.now().timestamp():
        return None
    return username, float(exp)
