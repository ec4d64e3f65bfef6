"""Ratings' scores by day, from an index alone: the dashboard compares the month to date with
the same days of last month, which the monthly summary cannot give. deleted_at is a column of
the index rather than a partial condition: SQLite reads the table's rows to check a partial
index's condition, so the read would not be index-only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ratings_day", "ratings", ["rated_on", "grid_id", "score", "deleted_at"])


def downgrade() -> None:
    op.drop_index("ix_ratings_day", table_name="ratings")
