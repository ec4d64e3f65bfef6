"""Early warning (人民调解法 art. 25): a case keeps the repeat-dispute warning it was registered with,
and carries a risk of escalation (激化风险) with its reason and, when high, to whom and when it was
reported.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("repeat_warning", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("risk_level", sa.String(6), nullable=False, server_default="low"))
        batch.add_column(sa.Column("risk_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("risk_reported_to", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("risk_reported_on", sa.Date()))
        batch.create_index("ix_cases_risk_state", ["risk_level", "state"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_risk_state")
        for column in ("risk_reported_on", "risk_reported_to", "risk_reason", "risk_level", "repeat_warning"):
            batch.drop_column(column)
