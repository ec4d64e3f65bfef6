"""First start: migrate the database and, when it has no user, create an administrator."""

from __future__ import annotations

from sqlalchemy import Engine

from core.office import users
from db import migrate
from db.engine import write_session

BOOTSTRAP_ADMIN = "admin"


def prepare(engine: Engine) -> tuple[str, str] | None:
    """Apply migrations; return (username, one-time password) if an administrator was created."""
    migrate.upgrade(engine)
    with write_session(engine) as session:
        if users.count_users(session):
            return None
        account = users.create_user(session, None, username=BOOTSTRAP_ADMIN, display_name="管理员 Administrator",
                                    role="admin")
        return account.user.username, account.one_time_password


def admin_banner(username: str, password: str) -> str:
    line = "=" * 64
    return (
        f"\n{line}\n Linli: first start, administrator account created\n"
        f"   user name:          {username}\n   one-time password:  {password}\n"
        f" Log in with it; Linli will ask you to choose a new password.\n{line}\n"
    )
