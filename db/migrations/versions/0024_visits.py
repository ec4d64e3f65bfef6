"""Care visits (走访): tier frequencies per community, supervisors' tier decisions, major changes
that make a visit due within 24 hours, and the visits themselves. Every table carries its community.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_frequencies",
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tier", sa.String(10), primary_key=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "visit_plans",
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("tier", sa.String(10), nullable=False),
        sa.Column("proposed", sa.String(10), nullable=False, server_default=""),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_visit_plans_community_id", "visit_plans", ["community_id"])
    op.create_table(
        "major_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_major_changes_resident_recorded", "major_changes", ["resident_id", "recorded_at"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("visitor_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("health", sa.String(10), nullable=False, server_default=""),
        sa.Column("living", sa.String(10), nullable=False, server_default=""),
        sa.Column("hazards", sa.String(60), nullable=False, server_default=""),
        sa.Column("needs", sa.String(100), nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("follow_up", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("referred_to", sa.String(100), nullable=False, server_default=""),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_visits_resident_day", "visits", ["resident_id", "visited_on"])
    op.create_index("ix_visits_community_day", "visits", ["community_id", "visited_on"])


def downgrade() -> None:
    op.drop_table("visits")
    op.drop_table("major_changes")
    op.drop_table("visit_plans")
    op.drop_table("visit_frequencies")
