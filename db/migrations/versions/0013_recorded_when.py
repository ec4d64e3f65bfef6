"""When a record was made, beside the date it is about: the 司法所 table counts a late entry in the
month it was recorded, so a month's table, once over, does not change.

- agreements: when the 司法确认 application, and the court's ruling, were recorded;
- case_preventions: when it was corrected (recorded_at stays the first recording).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("judicial_applied_recorded_at", sa.DateTime()))
        batch.add_column(sa.Column("judicial_decided_recorded_at", sa.DateTime()))
    with op.batch_alter_table("case_preventions") as batch:
        batch.add_column(sa.Column("corrected_at", sa.DateTime()))


def downgrade() -> None:
    with op.batch_alter_table("case_preventions") as batch:
        batch.drop_column("corrected_at")
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("judicial_decided_recorded_at")
        batch.drop_column("judicial_applied_recorded_at")
