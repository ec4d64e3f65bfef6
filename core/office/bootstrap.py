"""First start: migrate the database and, when it has no user, create the system administrator;
after the upgrade that added one (migration 0020), give it its one-time password."""

from __future__ import annotations

from sqlalchemy import Engine, select

from core.office import users
from db import migrate
from db.engine import write_session
from db.models import User

BOOTSTRAP_ADMIN = "admin"


def prepare(engine: Engine) -> tuple[str, str] | None:
    """Apply migrations; return (username, one-time password) if the system administrator was
    created now or was waiting for its password. Either is returned once: the caller prints it."""
    migrate.upgrade(engine)
    with write_session(engine) as session:
        if not users.count_users(session):
            account = users.create_user(session, None, username=BOOTSTRAP_ADMIN,
                                        display_name="系统管理员 System administrator", role="sysadmin")
            return account.user.username, account.one_time_password
        pending = session.execute(select(User.id, User.username).where(
            User.role == "sysadmin", User.password_hash == users.PASSWORD_PENDING)).first()
        if pending is None:
            return None
        return pending.username, users.reset_password(session, None, pending.id)


def admin_banner(username: str, password: str) -> str:
    line = "=" * 64
    return (
        f"\n{line}\n Linli: system administrator account (shown this once)\n"
        f"   user name:          {username}\n   one-time password:  {password}\n"
        f" Log in with it; Linli will ask you to choose a new password. The system\n"
        f" administrator creates communities and their admins, and sees no residents' data.\n{line}\n"
    )
