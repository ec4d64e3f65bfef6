"""A course can be cancelled: it keeps its row, with when and why, and takes no marks or hours.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column, not a batch: rebuilding courses on SQLite would drop the trigger that keeps
    # attendance.course_starts_at right (0006). SQLite adds plain columns in place.
    op.add_column("courses", sa.Column("cancelled_at", sa.DateTime))
    op.add_column("courses", sa.Column("cancel_reason", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    # SQLite >= 3.35 drops a plain column in place (no rebuild, the trigger stays)
    op.drop_column("courses", "cancel_reason")
    op.drop_column("courses", "cancelled_at")
