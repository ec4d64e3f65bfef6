"""The audit trail's one way to forget a person: an event at least six months old (网络安全法 art.
21 keeps logs that long) may have its before/after values replaced once, marking redacted_at;
every other change, and every deletion, is still refused by the database itself.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

_KEPT = ("NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action AND NEW.actor_username = OLD.actor_username"
         " AND NEW.object_type = OLD.object_type AND NEW.object_id = OLD.object_id")
_SQLITE_ONLY_REDACTION = f"""CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       WHEN NOT (OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {_KEPT}
                 AND NEW.actor_id IS OLD.actor_id AND NEW.community_id IS OLD.community_id
                 AND julianday(NEW.redacted_at) - julianday(OLD.at) >= 183)
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""
_SQLITE_NONE = """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""
_PG_ONLY_REDACTION = f"""CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {_KEPT}
            AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
            AND NEW.community_id IS NOT DISTINCT FROM OLD.community_id
            AND NEW.redacted_at >= OLD.at + interval '183 days' THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'audit_events is append-only';
       END; $$ LANGUAGE plpgsql"""
_PG_NONE = """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql"""


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("redacted_at", sa.DateTime, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_ONLY_REDACTION)
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_ONLY_REDACTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_NONE)
        op.execute("ALTER TABLE audit_events DROP COLUMN redacted_at")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_NONE)
        op.execute("ALTER TABLE audit_events DROP COLUMN redacted_at")
