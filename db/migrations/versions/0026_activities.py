"""Community activities (社区活动) and outreach (政策宣传): categories (shared defaults and a
community's own), activities with their grids, target groups and organisers, and participants.
Every table carries its community (or hangs from an activity that does).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

DEFAULT_CATEGORIES = (("文化活动", False), ("志愿服务", False), ("健康讲座", False), ("心理健康支持", False),
                      ("政策宣传", True), ("老年人关怀", False), ("儿童托管", False))


def upgrade() -> None:
    categories = op.create_table(
        "activity_categories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id")),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("outreach", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.bulk_insert(categories, [{"name": name, "outreach": outreach, "sort_order": index, "active": True,
                                 "version": 1} for index, (name, outreach) in enumerate(DEFAULT_CATEGORIES)])
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("category_id", sa.Integer, sa.ForeignKey("activity_categories.id"), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("place", sa.String(100), nullable=False, server_default=""),
        sa.Column("partners", sa.String(200), nullable=False, server_default=""),
        sa.Column("capacity", sa.Integer),
        sa.Column("open_event", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("topic", sa.String(50), nullable=False, server_default=""),
        sa.Column("status", sa.String(12), nullable=False, server_default="planned"),
        sa.Column("change_reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("head_count", sa.Integer),
        sa.Column("reach", sa.Integer),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("volunteer_hours", sa.Float, nullable=False, server_default="0"),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_activities_community_start", "activities", ["community_id", "starts_at"])
    op.create_table(
        "activity_grids",
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), primary_key=True),
    )
    op.create_index("ix_activity_grids_grid_id", "activity_grids", ["grid_id"])
    op.create_table(
        "activity_groups",
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(30), primary_key=True),
    )
    op.create_table(
        "activity_organisers",
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_activity_organisers_user_id", "activity_organisers", ["user_id"])
    op.create_table(
        "activity_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id")),
        sa.Column("name", sa.String(50), nullable=False, server_default=""),
        sa.Column("phone", sa.String(11), nullable=False, server_default=""),
        sa.Column("state", sa.String(10), nullable=False, server_default="signed_up"),
        sa.Column("walk_in", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("attended", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("signed_up_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("activity_id", "resident_id", name="uq_activity_participants_resident"),
    )
    op.create_index("ix_activity_participants_resident_id", "activity_participants", ["resident_id"])


def downgrade() -> None:
    for table in ("activity_participants", "activity_organisers", "activity_groups", "activity_grids", "activities",
                  "activity_categories"):
        op.drop_table(table)
