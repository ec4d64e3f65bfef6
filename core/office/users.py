"""Staff accounts: create, change role and grids, disable, reset password, unlock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from core.base import audit, clock, passwords
from core.base.errors import Invalid, NotFound, collect
from core.base.i18n import LANGUAGES
from core.base.permissions import INSTALLATION_ROLES, ROLES, Actor, require, sees_all_grids
from core.base.records import guarded_flush, load_for_edit
from core.base.text import clean
from core.office import assignments
from core.office.communities import grids_by_id
from db.models import AuthSession, Community, LoginAttempt, User

USERNAME_MIN, USERNAME_MAX = 3, 32
DISPLAY_NAME_MAX = 50
_USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def normalise_username(value: str | None) -> str:
    return clean(value).lower()


def validate_username(value: str | None) -> str:
    username = normalise_username(value)
    if not username:
        raise Invalid("username", "error.required")
    if len(username) < USERNAME_MIN:
        raise Invalid("username", "error.too_short", min=USERNAME_MIN)
    if len(username) > USERNAME_MAX:
        raise Invalid("username", "error.too_long", max=USERNAME_MAX)
    if not _USERNAME_PATTERN.match(username):
        raise Invalid("username", "error.username.characters")
    return username


def validate_display_name(value: str | None) -> str:
    name = clean(value)
    if not name:
        raise Invalid("display_name", "error.required")
    if len(name) > DISPLAY_NAME_MAX:
        raise Invalid("display_name", "error.too_long", max=DISPLAY_NAME_MAX)
    return name


def validate_role(value: str | None) -> str:
    if value not in ROLES:
        raise Invalid("role", "error.role.unknown", role=str(value))
    return value


# The system administrator made by the upgrade waits for the CLI to give it a password, printed once.
PASSWORD_PENDING = "!pending"


def _check_role_community(session: Session, actor: Actor | None, role: str, community_id: int | None,
                          user_id: int | None = None) -> None:
    """The installation has one system administrator, without a community, made at first start
    (or by the upgrade); 街道干部 (street) belong to no community either, and only the system
    administrator gives that role; every other role belongs to a community."""
    if role == "street":
        if community_id is not None:
            raise Invalid("community", "error.community.not_for_street")
        if actor is not None and not sees_all_grids(actor):
            raise Invalid("role", "error.role.street_by_sysadmin")
    elif role == "sysadmin":
        others = select(func.count()).select_from(User).where(User.role == "sysadmin")
        if user_id is not None:
            others = others.where(User.id != user_id)
        if (actor is not None and user_id is None) or session.scalar(others):
            raise Invalid("role", "error.role.one_sysadmin")
        if community_id is not None:
            raise Invalid("community", "error.community.not_for_sysadmin")
    elif community_id is None:
        raise Invalid("community", "error.community.required")


def user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "community_id": user.community_id,
        "grids": sorted(grid.id for grid in user.grids),
        "active": user.active,
    }


COMMUNITY_WIDE = ("admin", "supervisor")  # see every grid of their community


def _manages_everyone(actor: Actor | None) -> bool:
    """The CLI, the bootstrap and an administrator of the whole installation manage every account;
    an admin of a community only its own."""
    return actor is None or sees_all_grids(actor)


def _check_manages(actor: Actor | None, community_id: int | None) -> None:
    """A community's admin gives accounts only to their community (never none: that would be the
    installation's administrator)."""
    if not _manages_everyone(actor) and community_id != actor.community_id:  # type: ignore[union-attr]
        raise Invalid("community", "error.community.not_yours")


def _managed_user(session: Session, actor: Actor | None, user_id: int) -> User:
    """A user the actor manages; another community's is not found, as if it did not exist."""
    user = get_user(session, user_id)
    if not _manages_everyone(actor) and user.community_id != actor.community_id:  # type: ignore[union-attr]
        raise NotFound(object="user", id=user_id)
    return user


def actor_of(user: User) -> Actor:
    """The acting user. A supervisor or admin of a community acts on every grid of it (and of no
    other community); a worker on the grids assigned to them."""
    if user.role in INSTALLATION_ROLES:  # no grid of their own: the street's figures are read per community
        grids = []
    else:
        grids = user.community.grids if user.role in COMMUNITY_WIDE and user.community is not None else user.grids
    return Actor(
        id=user.id,
        username=user.username,
        role=user.role,
        display_name=user.display_name,
        community_id=user.community_id,
        grid_ids=frozenset(grid.id for grid in grids),
        language=user.language,
        must_change_password=user.must_change_password,
    )


def _check_community_and_grids(session: Session, community_id: int | None, grid_ids: list[int]) -> list:
    if community_id is not None and session.get(Community, community_id) is None:
        raise Invalid("community", "error.community.unknown")
    grids = grids_by_id(session, grid_ids)
    missing = set(grid_ids) - set(grids)
    if missing:
        raise Invalid("grids", "error.grid.unknown")
    if grids and community_id is None:
        raise Invalid("grids", "error.grid.needs_community")
    foreign = [grid.name for grid in grids.values() if grid.community_id != community_id]
    if foreign:
        raise Invalid("grids", "error.grid.other_community", grids="、".join(sorted(foreign)))
    return [grids[grid_id] for grid_id in grid_ids]


def _username_taken(session: Session, username: str) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User).where(User.username == username)))


@dataclass(frozen=True)
class NewAccount:
    user: User
    one_time_password: str


def create_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    display_name: str,
    role: str,
    community_id: int | None = None,
    grid_ids: list[int] | None = None,
    password: str | None = None,
    must_change_password: bool = True,
    now: datetime | None = None,
) -> NewAccount:
    """Create an account. Without a password, a one-time password is made and returned.

    `actor` is None only for the bootstrap administrator and the CLI.
    """
    if actor is not None:
        require(actor, "user.manage")
    grid_ids = list(grid_ids or [])
    username, display_name, role, grids, _ = collect([
        lambda: validate_username(username),
        lambda: validate_display_name(display_name),
        lambda: validate_role(role),
        lambda: _check_community_and_grids(session, community_id, grid_ids),
        lambda: _check_manages(actor, community_id),
    ])
    _check_role_community(session, actor, role, community_id)
    if _username_taken(session, username):
        raise Invalid("username", "error.username.taken", username=username)
    secret = password if password is not None else passwords.one_time_password()
    passwords.check_policy(secret, username=username)
    now = now or clock.now()
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        community_id=community_id,
        password_hash=passwords.hash_password(secret),
        must_change_password=must_change_password,
        active=True,
        created_at=now,
        password_changed_at=now,
        grids=grids,
    )
    session.add(user)
    session.flush()
    assignments.sync(session, user, now.date())
    audit.record(session, actor, "user_create", object_type="user", object_id=user.id,
                 after=user_snapshot(user), actor_username=None if actor else "system", now=now,
                 community_id=user.community_id)
    return NewAccount(user=user, one_time_password=secret)


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    expected_version: int,
    *,
    display_name: str,
    role: str,
    community_id: int | None,
    grid_ids: list[int],
    active: bool,
    now: datetime | None = None,
) -> User:
    require(actor, "user.manage")
    display_name, role, grids, _ = collect([
        lambda: validate_display_name(display_name),
        lambda: validate_role(role),
        lambda: _check_community_and_grids(session, community_id, list(grid_ids)),
        lambda: _check_manages(actor, community_id),
    ])
    _managed_user(session, actor, user_id)
    user = load_for_edit(session, User, user_id, expected_version)
    if user.id == actor.id and (not active or role != actor.role):
        raise Invalid("role" if active else "active", "error.user.cannot_demote_self")
    if (user.role == "sysadmin") != (role == "sysadmin"):  # nobody becomes, or stops being, the one
        raise Invalid("role", "error.role.one_sysadmin")
    _check_role_community(session, actor, role, community_id, user_id)
    before = user_snapshot(user)
    now = now or clock.now()
    with guarded_flush(session):
        user.display_name, user.role, user.community_id, user.active = display_name, role, community_id, active
        user.grids = grids
        # A change of grids alone touches only user_grids: force the UPDATE that bumps version.
        flag_modified(user, "display_name")
        assignments.sync(session, user, now.date())
    if not active:
        revoke_sessions(session, user.id, "disabled", now)
    audit.record(session, actor, "user_update", object_type="user", object_id=user.id,
                 before=before, after=user_snapshot(user), now=now, community_id=user.community_id)
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, options=[selectinload(User.grids)])
    if user is None:
        raise NotFound(object="user", id=user_id)
    return user


def find_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def list_users(session: Session, actor: Actor) -> list[User]:
    """The accounts the actor manages: every one for the installation's administrator, the
    community's for a community's admin."""
    require(actor, "user.manage")
    query = select(User).options(selectinload(User.grids)).order_by(User.username)
    if not _manages_everyone(actor):
        query = query.where(User.community_id == actor.community_id)
    return list(session.scalars(query))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def revoke_sessions(session: Session, user_id: int, reason: str, now: datetime | None = None) -> int:
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now or clock.now(), revoked_reason=reason)
    )
    return result.rowcount or 0


def _set_password(session: Session, user: User, secret: str, *, one_time: bool, reason: str, now: datetime) -> None:
    """Store a new password; every open session of the account ends."""
    with guarded_flush(session):
        user.password_hash = passwords.hash_password(secret)
        user.must_change_password = one_time
        user.password_changed_at = now
    revoke_sessions(session, user.id, reason, now)


def reset_password(session: Session, actor: Actor | None, user_id: int, *, now: datetime | None = None) -> str:
    """Give the account a one-time password; every open session of it ends."""
    if actor is not None:
        require(actor, "user.manage")
    user = _managed_user(session, actor, user_id)
    secret = passwords.one_time_password()
    now = now or clock.now()
    _set_password(session, user, secret, one_time=True, reason="password_reset", now=now)
    _clear_lock(session, user.username)
    audit.record(session, actor, "password_reset", object_type="user", object_id=user.id,
                 actor_username=None if actor else "system", now=now, community_id=user.community_id)
    return secret


def change_own_password(session: Session, actor: Actor, *, current: str, new: str, confirm: str,
                        now: datetime | None = None) -> None:
    """The user changes their own password; all their sessions end, this one included."""
    require(actor, "profile.edit", actor)
    user = get_user(session, actor.id)
    if not passwords.verify(current, user.password_hash):
        raise Invalid("current_password", "error.password.current_wrong")
    if new != confirm:
        raise Invalid("confirm_password", "error.password.mismatch")
    passwords.check_policy(new, username=user.username, field="new_password")
    if passwords.verify(new, user.password_hash):
        raise Invalid("new_password", "error.password.unchanged")
    now = now or clock.now()
    _set_password(session, user, new, one_time=False, reason="password_change", now=now)
    audit.record(session, actor, "password_change", object_type="user", object_id=user.id, now=now)


def set_language(session: Session, actor: Actor, language: str) -> None:
    """Remember the user's language. A preference, not an edit: it does not bump the version,
    so an administrator's open form on this user does not go stale."""
    require(actor, "profile.edit", actor)
    if language not in LANGUAGES:
        raise Invalid("language", "error.language.unknown")
    before = session.scalar(select(User.language).where(User.id == actor.id))
    if before != language:
        session.execute(update(User).where(User.id == actor.id).values(language=language)
                        .execution_options(synchronize_session=False))
        audit.record(session, actor, "language_change", object_type="user", object_id=actor.id,
                     before={"language": before}, after={"language": language})


def _clear_lock(session: Session, username: str) -> bool:
    attempt = session.get(LoginAttempt, username)
    if attempt is None:
        return False
    session.delete(attempt)
    return True


def unlock(session: Session, actor: Actor | None, username: str, *, now: datetime | None = None) -> bool:
    """Clear failed logins and any lock on this user name. Returns whether there was one."""
    if actor is not None:
        require(actor, "user.manage")
    username = normalise_username(username)
    known = find_by_username(session, username)
    if known is not None:
        _managed_user(session, actor, known.id)
    cleared = _clear_lock(session, username)
    audit.record(session, actor, "unlock", object_type="user", object_id=username,
                 actor_username=None if actor else "system", now=now,
                 community_id=known.community_id if known is not None else None)
    return cleared


def locked_usernames(session: Session, actor: Actor, now: datetime | None = None) -> dict[str, datetime]:
    require(actor, "user.manage")
    now = now or clock.now()
    managed = {user.username for user in list_users(session, actor)}
    rows = session.execute(select(LoginAttempt.username, LoginAttempt.locked_until).where(LoginAttempt.locked_until > now))
    return {username: until for username, until in rows if username in managed}
