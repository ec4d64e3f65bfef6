"""A course belongs to the community that organises it, and may be open to every community of the
街道 (its staff may be expected, walk in and check in); hours count wherever they were earned.
Existing courses belong to their trainer's community.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column, not a batch: rebuilding courses on SQLite would drop the trigger that keeps
    # attendance.course_starts_at right (0006). A plain column is added in place (no foreign key:
    # SQLite cannot add one in place; the service sets it from the organiser's community).
    op.add_column("courses", sa.Column("community_id", sa.Integer))
    op.add_column("courses", sa.Column("open_to_all", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE courses SET community_id = (SELECT community_id FROM users WHERE users.id = courses.trainer_id)")
    op.create_index("ix_courses_community_starts", "courses", ["community_id", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_courses_community_starts", table_name="courses")
    op.drop_column("courses", "open_to_all")
    op.drop_column("courses", "community_id")
