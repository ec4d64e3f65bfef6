"""Residents get their 户籍 status (户籍人口 / 常住非户籍 / 流动人口; empty: not yet known) and a
household its 户主, a member rather than free text. Upgrading names as head of each household
the first member whose relation says 户主 or 本人.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

HEAD_WORDS = ("户主", "本人")  # core.residents.service.HEAD_RELATIONS as of this revision


def upgrade() -> None:
    op.add_column("residents", sa.Column("hukou", sa.String(12), nullable=False, server_default=""))
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("head_id", sa.Integer))
        batch.create_foreign_key("fk_households_head_id_residents", "residents", ["head_id"], ["id"],
                                 ondelete="SET NULL")
    op.execute(sa.text(
        "UPDATE households SET head_id = (SELECT min(r.id) FROM residents r WHERE r.household_id = households.id"
        " AND r.deleted_at IS NULL AND r.relation IN ('户主', '本人'))"))


def downgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.drop_constraint("fk_households_head_id_residents", type_="foreignkey")
        batch.drop_column("head_id")
    op.drop_column("residents", "hukou")
