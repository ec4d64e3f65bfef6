"""Satisfaction: ratings from every channel, survey tokens (QR codes), and the monthly summary
that charts read instead of the ratings themselves.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANNELS = "('mediation_follow_up', 'visit', 'phone_survey', 'resident_qr')"


def upgrade() -> None:
    op.create_table(
        "survey_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("worker_id", sa.Integer, sa.ForeignKey("users.id", ondelete="RESTRICT")),
        sa.Column("hourly_limit", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("created_by", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("kind IN ('single_use', 'poster')", name="ck_survey_tokens_kind"),
        sa.CheckConstraint("hourly_limit > 0", name="ck_survey_tokens_hourly_limit"),
    )
    op.create_index("ix_survey_tokens_grid_created", "survey_tokens", ["grid_id", "created_at"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.String(500), nullable=False, server_default=""),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("worker_id", sa.Integer, sa.ForeignKey("users.id", ondelete="RESTRICT")),
        sa.Column("rated_on", sa.Date, nullable=False),
        sa.Column("channel", sa.String(24), nullable=False),
        sa.Column("source_id", sa.Integer),
        sa.Column("recorded_by", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_ratings_score"),
        sa.CheckConstraint(f"channel IN {CHANNELS}", name="ck_ratings_channel"),
    )
    low = sa.text("score <= 2 AND deleted_at IS NULL")
    op.create_index("ix_ratings_low_recent", "ratings", ["rated_on", "id"], sqlite_where=low, postgresql_where=low)
    op.create_index("ix_ratings_grid_date", "ratings", ["grid_id", "rated_on"])
    op.create_index("ix_ratings_source", "ratings", ["channel", "source_id", "created_at"])
    counts = [sa.Column(name, sa.Integer, nullable=False, server_default="0")
              for name in ("count", "score_sum", "count_4_5", "count_1", "count_2", "count_3", "count_4", "count_5")]
    op.create_table(
        "rating_month_summary",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("grid_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("channel", sa.String(24), primary_key=True),
        sa.Column("worker_id", sa.Integer, primary_key=True, autoincrement=False),
        *counts,
        sqlite_with_rowid=False,  # clustered by (month, …): a range of months is one contiguous read
    )
    op.create_index("ix_rating_month_summary_grid_month", "rating_month_summary", ["grid_id", "month"])


def downgrade() -> None:
    for table in ("rating_month_summary", "ratings", "survey_tokens"):
        op.drop_table(table)
