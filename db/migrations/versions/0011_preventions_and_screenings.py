"""What the 司法所's monthly table counts beyond cases: escalations prevented and dispute screenings.

- case_preventions: a case's mediation prevented a suicide, a crime, a group petition or a group
  fight (防止民间纠纷引起自杀 / 转化为刑事案件 / 群体性上访 / 群体性械斗), with how many persons
  and a note; one row per case and kind.
- dispute_screenings: a worker's 排查 of a grid on a day, with how many disputes it found.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_preventions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "kind", name="uq_case_preventions_case_kind"),
        sa.CheckConstraint("persons >= 1", name="ck_case_preventions_persons"),
    )
    op.create_index("ix_case_preventions_recorded_at", "case_preventions", ["recorded_at"])
    op.create_table(
        "dispute_screenings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grid_id", sa.Integer(), sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("disputes >= 0", name="ck_dispute_screenings_disputes"),
    )
    op.create_index("ix_dispute_screenings_grid_on", "dispute_screenings", ["grid_id", "screened_on"])


def downgrade() -> None:
    op.drop_index("ix_dispute_screenings_grid_on", table_name="dispute_screenings")
    op.drop_table("dispute_screenings")
    op.drop_index("ix_case_preventions_recorded_at", table_name="case_preventions")
    op.drop_table("case_preventions")
