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
    _ratings_from_earlier_follow_ups()


def _ratings_from_earlier_follow_ups() -> None:
    """Follow-up visits recorded before this version carry a score: they become ratings (as
    core.satisfaction.follow_up_rating files new ones), and the monthly summary is built from them.
    The data-version row starts here, so two first writes never race to create it."""
    op.execute(
        "INSERT INTO ratings (score, comment, category, grid_id, worker_id, rated_on, channel, source_id,"
        " recorded_by, created_at, updated_at, version)"
        " SELECT f.satisfaction, '', 'mediation', c.grid_id, c.mediator_id, f.visited_on, 'mediation_follow_up',"
        " f.id, f.recorded_by, f.created_at, f.created_at, 1"
        " FROM follow_ups f JOIN cases c ON c.id = f.case_id WHERE f.satisfaction BETWEEN 1 AND 5")
    month = ("CAST(date_trunc('month', rated_on) AS DATE)" if op.get_bind().dialect.name == "postgresql"
             else "date(rated_on, 'start of month')")
    per_score = ", ".join(f"SUM(CASE WHEN score = {k} THEN 1 ELSE 0 END)" for k in range(1, 6))
    op.execute(
        "INSERT INTO rating_month_summary (month, grid_id, category, channel, worker_id, count, score_sum, count_4_5,"
        " count_1, count_2, count_3, count_4, count_5)"
        f" SELECT {month}, grid_id, category, channel, COALESCE(worker_id, 0), COUNT(*), SUM(score),"
        f" SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END), {per_score}"
        f" FROM ratings WHERE deleted_at IS NULL GROUP BY {month}, grid_id, category, channel, COALESCE(worker_id, 0)")
    op.execute("DELETE FROM app_meta WHERE key = 'ratings_version'")
    op.execute("INSERT INTO app_meta (key, value) VALUES ('ratings_version', '1')")


def downgrade() -> None:
    op.execute("DELETE FROM app_meta WHERE key = 'ratings_version'")
    for table in ("rating_month_summary", "ratings", "survey_tokens"):
        op.drop_table(table)
