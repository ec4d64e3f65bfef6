"""Live ratings' scores by day, from an index alone: the dashboard compares the month to date
with the same days of last month, which the monthly summary cannot give.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    live = sa.text("deleted_at IS NULL")
    op.create_index("ix_ratings_live_day", "ratings", ["rated_on", "grid_id", "score"], sqlite_where=live,
                    postgresql_where=live)


def downgrade() -> None:
    op.drop_index("ix_ratings_live_day", table_name="ratings")
