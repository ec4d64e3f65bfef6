"""How independent a rating is, in the monthly summary's key: 居民自评 (resident, through a QR code),
第三方/主管回访 (third_party: entered by someone other than the staff member it concerns) or
工作人员记录 (self: entered by that staff member). Derived from ratings.recorded_by, so the summary
is rebuilt from the ratings with the new key column.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_COUNTS = ("count", "score_sum", "count_4_5", "count_1", "count_2", "count_3", "count_4", "count_5")
_INDEPENDENCE = ("CASE WHEN channel = 'resident_qr' OR recorded_by IS NULL THEN 'resident'"
                 " WHEN recorded_by = worker_id THEN 'self' ELSE 'third_party' END")


def _create(with_independence: bool) -> None:
    keys = [sa.Column("month", sa.Date, primary_key=True),
            sa.Column("grid_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("category", sa.String(20), primary_key=True),
            sa.Column("channel", sa.String(24), primary_key=True),
            sa.Column("worker_id", sa.Integer, primary_key=True, autoincrement=False)]
    if with_independence:
        keys.append(sa.Column("independence", sa.String(12), primary_key=True))
    op.create_table("rating_month_summary", *keys,
                    *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in _COUNTS),
                    sqlite_with_rowid=False)
    op.create_index("ix_rating_month_summary_grid_month", "rating_month_summary", ["grid_id", "month"])


def _fill(with_independence: bool) -> None:
    month = ("CAST(date_trunc('month', rated_on) AS DATE)" if op.get_bind().dialect.name == "postgresql"
             else "date(rated_on, 'start of month')")
    keys = f"{month}, grid_id, category, channel, COALESCE(worker_id, 0)"
    if with_independence:
        keys += f", {_INDEPENDENCE}"
    columns = "month, grid_id, category, channel, worker_id" + (", independence" if with_independence else "")
    per_score = ", ".join(f"SUM(CASE WHEN score = {k} THEN 1 ELSE 0 END)" for k in range(1, 6))
    op.execute(f"INSERT INTO rating_month_summary ({columns}, {', '.join(_COUNTS)})"
               f" SELECT {keys}, COUNT(*), SUM(score), SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END), {per_score}"
               f" FROM ratings WHERE deleted_at IS NULL GROUP BY {keys}")
    # Screens keep figures per data version: a new summary is a new version.
    op.execute("UPDATE app_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(20))"
               " WHERE key = 'ratings_version'")


def _rebuild(with_independence: bool) -> None:
    op.drop_index("ix_rating_month_summary_grid_month", table_name="rating_month_summary")
    op.drop_table("rating_month_summary")
    _create(with_independence)
    _fill(with_independence)


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
