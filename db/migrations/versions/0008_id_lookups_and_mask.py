"""Exact ID lookups are counted (id_lookups), and a stored ID mask keeps only the last 4.

A worker saw 110***********0131 beside the birth date 1947-07-18: only digits 4-6 were unknown,
~91 candidates passed the check digit, and one exact search per candidate found the full
number. The mask now keeps the last 4 characters only, so that mask + birth date + sex leave
the 6 digits of the region unknown. The last 4 are in the old mask already, so the new one is
derived from it without the encryption key. Masks written into the append-only audit log stay
as they were.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_lookups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("door", sa.String(12), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("looked_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_id_lookups_user_door_at", "id_lookups", ["user_id", "door", "looked_at"])
    op.create_index("ix_id_lookups_looked_at", "id_lookups", ["looked_at"])
    last4 = "right(id_masked, 4)" if op.get_bind().dialect.name == "postgresql" else "substr(id_masked, -4)"
    # Every stored mask is of an 18-character ID (GB 11643): 14 stars and its last 4.
    op.execute(f"UPDATE residents SET id_masked = '**************' || {last4} WHERE length(id_masked) = 18")


def downgrade() -> None:
    op.drop_index("ix_id_lookups_looked_at", table_name="id_lookups")
    op.drop_index("ix_id_lookups_user_door_at", table_name="id_lookups")
    op.drop_table("id_lookups")
    # The old masks showed the region's first 3 digits, which the new ones no longer hold.
