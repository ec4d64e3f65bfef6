"""One system administrator for the installation; every other account belongs to a community;
every audit event to the community whose account made it.

Until now an admin without a community administered the whole installation, residents included.
Now the system administrator (role sysadmin) creates communities and their accounts and sees no
residents' data, and an admin is the admin of one community:
- with exactly one community, its admins without a community become its admins, and a system
  administrator is added whose one-time password the CLI prints once (`make migrate`, `make run`);
- with none or several, the first admin without a community becomes the system administrator
  (they were administering the installation); any other stays unassigned until the system
  administrator gives them a community.

Audit events gain the community they belong to, so each community's admin reads its own trail:
for past events, the community of the account that made them (or, for a failed login, of the
account whose name was typed). The column is a classification added beside what was recorded;
no recorded value changes, and the append-only trigger is back in place before the end.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

PASSWORD_PENDING = "!pending"  # core.office.users.PASSWORD_PENDING: no password yet, none can match
_SQLITE_TRIGGER = """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""


# 'street' (街道干部) comes with the several-communities figures; allowed here so that the users
# table is rebuilt once.
_ROLES_NOW = "role IN ('sysadmin', 'admin', 'supervisor', 'worker', 'trainer', 'street')"
_ROLES_BEFORE = "role IN ('admin', 'supervisor', 'worker', 'trainer')"


def _allow_roles(condition: str) -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("ck_users_role", type_="check")
        batch.create_check_constraint("ck_users_role", condition)


def upgrade() -> None:
    connection = op.get_bind()
    _allow_roles(_ROLES_NOW)
    _one_system_administrator(connection)
    op.add_column("audit_events", sa.Column("community_id", sa.Integer(), nullable=True))
    op.create_index("ix_audit_events_community_at", "audit_events", ["community_id", "at"])
    _classify_past_events(connection)


def _one_system_administrator(connection: sa.Connection) -> None:
    if connection.execute(sa.text("SELECT count(*) FROM users WHERE role = 'sysadmin'")).scalar():
        return
    if not connection.execute(sa.text("SELECT count(*) FROM users")).scalar():
        return  # a new database: the first start creates the system administrator
    communities = connection.execute(sa.text("SELECT id FROM communities")).scalars().all()
    if len(communities) == 1:
        connection.execute(sa.text("UPDATE users SET community_id = :community WHERE community_id IS NULL "
                                   "AND role = 'admin'"), {"community": communities[0]})
        name = _free_name(connection)
        connection.execute(sa.text(
            "INSERT INTO users (username, display_name, role, community_id, password_hash, must_change_password, "
            "active, language, created_at, password_changed_at, version) VALUES (:name, '系统管理员 System administrator', "
            "'sysadmin', NULL, :pending, true, true, 'zh-CN', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"),
            {"name": name, "pending": PASSWORD_PENDING})
        return
    first = connection.execute(sa.text("SELECT id FROM users WHERE role = 'admin' AND community_id IS NULL "
                                       "ORDER BY id LIMIT 1")).scalar()
    if first is not None:
        connection.execute(sa.text("UPDATE users SET role = 'sysadmin' WHERE id = :id"), {"id": first})


def _free_name(connection: sa.Connection) -> str:
    taken = set(connection.execute(sa.text("SELECT username FROM users WHERE username LIKE 'sysadmin%'")).scalars())
    return next(name for name in ("sysadmin", *(f"sysadmin{n}" for n in range(2, 1000))) if name not in taken)


def _classify_past_events(connection: sa.Connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    else:
        connection.execute(sa.text("DROP TRIGGER audit_events_no_update"))
    connection.execute(sa.text(
        "UPDATE audit_events SET community_id = COALESCE("
        "(SELECT community_id FROM users WHERE users.id = audit_events.actor_id), "
        "(SELECT community_id FROM users WHERE audit_events.actor_id IS NULL "
        " AND users.username = audit_events.actor_username))"))
    if postgres:
        connection.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"))
    else:
        connection.execute(sa.text(_SQLITE_TRIGGER))


def downgrade() -> None:
    op.drop_index("ix_audit_events_community_at", table_name="audit_events")
    op.drop_column("audit_events", "community_id")
    # The earlier schema's installation administrator was an admin without a community.
    op.execute("UPDATE users SET role = 'admin' WHERE role = 'sysadmin'")
    op.execute("UPDATE users SET active = false WHERE role = 'street'")  # no such role before; kept, disabled
    op.execute("UPDATE users SET role = 'supervisor' WHERE role = 'street'")
    _allow_roles(_ROLES_BEFORE)
