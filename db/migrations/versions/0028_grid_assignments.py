"""Who held which grid, and when: the history behind user_grids, so that a figure dated in a grid
(a visit owed, say) is counted for the worker who held the grid on that day.

Existing assignments start on the day the account was created (nothing older is known).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grid_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=True),  # the first day without it; empty: still held
    )
    op.create_index("ix_grid_assignments_grid", "grid_assignments", ["grid_id", "starts_on"])
    op.create_index("ix_grid_assignments_user", "grid_assignments", ["user_id", "starts_on"])
    day = "date(u.created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(u.created_at AS DATE)"
    op.execute(sa.text(
        "INSERT INTO grid_assignments (community_id, user_id, grid_id, starts_on, ends_on) "
        f"SELECT g.community_id, ug.user_id, ug.grid_id, {day}, NULL "
        "FROM user_grids ug JOIN users u ON u.id = ug.user_id JOIN grids g ON g.id = ug.grid_id "
        "WHERE u.role = 'worker' AND u.active"))


def downgrade() -> None:
    op.drop_table("grid_assignments")
