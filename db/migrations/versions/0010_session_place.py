"""A mediation session records where it was held: the 调解笔录 of the case file (卷宗) names it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_sessions") as batch:
        batch.add_column(sa.Column("place", sa.String(100), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("case_sessions") as batch:
        batch.drop_column("place")
