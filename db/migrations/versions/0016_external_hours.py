"""Training hours earned elsewhere (外部学时), with their certificate file, counted once approved.

The file itself lives under the files folder (setting files_dir); this row names it and keeps its
SHA-256, so a file changed on disk is not served as the one approved.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_hours",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("category_id", sa.Integer, sa.ForeignKey("course_categories.id", ondelete="RESTRICT"),
                  nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("organiser", sa.String(100), nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("file_name", sa.String(100), nullable=False),
        sa.Column("stored_as", sa.String(64), nullable=False),
        sa.Column("file_kind", sa.String(10), nullable=False),
        sa.Column("file_size", sa.Integer, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id", ondelete="RESTRICT")),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_external_hours_counted", "external_hours",
                    ["user_id", "status", "completed_on", "category_id", "hours"])
    op.create_index("ix_external_hours_status", "external_hours", ["status", "submitted_at"])


def downgrade() -> None:
    op.drop_table("external_hours")
