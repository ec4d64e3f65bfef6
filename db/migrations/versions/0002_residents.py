"""Residents registry: households, residents, their special-group tags, app metadata.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("compound", sa.String(50), nullable=False, server_default=""),
        sa.Column("building", sa.String(20), nullable=False, server_default=""),
        sa.Column("unit", sa.String(20), nullable=False, server_default=""),
        sa.Column("room", sa.String(20), nullable=False, server_default=""),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("grid_id", "address", name="uq_households_grid_address"),
    )
    op.create_index("ix_households_grid_id", "households", ["grid_id"])
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="SET NULL")),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("name_pinyin", sa.String(300), nullable=False, server_default=""),
        sa.Column("name_initials", sa.String(50), nullable=False, server_default=""),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("id_enc", sa.Text),
        sa.Column("id_hash", sa.String(64)),
        sa.Column("id_masked", sa.String(18), nullable=False, server_default=""),
        sa.Column("phone", sa.String(11), nullable=False, server_default=""),
        sa.Column("phone_last4", sa.String(4), nullable=False, server_default=""),
        sa.Column("relation", sa.String(20), nullable=False, server_default=""),
        sa.Column("ethnicity", sa.String(20), nullable=False, server_default=""),
        sa.Column("status", sa.String(12), nullable=False, server_default="active"),
        sa.Column("status_date", sa.Date),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("id_hash", name="uq_residents_id_hash"),
        sa.CheckConstraint("sex IN ('M', 'F')", name="ck_residents_sex"),
        sa.CheckConstraint("status IN ('active', 'moved_out', 'deceased')", name="ck_residents_status"),
    )
    op.create_index("ix_residents_household_id", "residents", ["household_id"])
    op.create_index("ix_residents_birth_date", "residents", ["birth_date"])
    op.create_index("ix_residents_phone_last4", "residents", ["phone_last4"])
    op.create_index("ix_residents_live_created", "residents", ["deleted_at", "created_at", "id"])
    op.create_index("ix_residents_live_grid_created", "residents", ["deleted_at", "grid_id", "created_at"])
    op.create_table(
        "resident_tags",
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(30), primary_key=True),
    )
    op.create_index("ix_resident_tags_tag", "resident_tags", ["tag", "resident_id"])


def downgrade() -> None:
    for table in ("resident_tags", "residents", "households", "app_meta"):
        op.drop_table(table)
