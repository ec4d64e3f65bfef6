"""Retention (PIPL arts. 19, 47): a resident who moved out or died long enough ago is anonymised;
when is kept, so it is done once and can be counted.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("residents", sa.Column("anonymised_at", sa.DateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("anonymised_at")
