"""Households lose ix_households_grid_id: the unique (grid_id, address) index serves every
lookup by grid (its leading column), so the extra index only cost a B-tree insert per new
household (70,000 of them in a 100k-row roster import).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_households_grid_id", table_name="households")


def downgrade() -> None:
    op.create_index("ix_households_grid_id", "households", ["grid_id"])
