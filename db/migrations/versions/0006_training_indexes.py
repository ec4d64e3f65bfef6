"""Training totals read an index, not the whole attendance history.

Each attendance row carries its course's start (course_starts_at), so that one person's hours
in their own period are a range scan of the index (user_id, course_starts_at, hours) instead
of a walk through all their attendance joined to courses. That index also serves every lookup
by user_id, so ix_attendance_user goes. (course_id, hours) lets the hours of a course be summed
from the index alone (the chart by month and topic). A trigger keeps the copy right if a
course's start ever changes.

Measured on SQLite, 500 people and 50,000 attendance rows (tests/bench/training.py data): the
hours of everyone in their own period took ~50 ms joined through courses even with a covering
(user_id, course_id, hours) index, ~2 ms from this index; the 12-month chart sums ~13 ms
without (course_id, hours), ~2 ms with it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FOLLOW_SQLITE = [
    """CREATE TRIGGER courses_start_to_attendance AFTER UPDATE OF starts_at ON courses
       BEGIN UPDATE attendance SET course_starts_at = NEW.starts_at WHERE course_id = NEW.id; END""",
]
_FOLLOW_PG = [
    """CREATE FUNCTION courses_start_to_attendance() RETURNS trigger AS $$
       BEGIN UPDATE attendance SET course_starts_at = NEW.starts_at WHERE course_id = NEW.id; RETURN NEW; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER courses_start_to_attendance AFTER UPDATE OF starts_at ON courses
       FOR EACH ROW EXECUTE FUNCTION courses_start_to_attendance()""",
]


def upgrade() -> None:
    op.add_column("attendance", sa.Column("course_starts_at", sa.DateTime, nullable=True))
    op.execute("UPDATE attendance SET course_starts_at = "
               "(SELECT courses.starts_at FROM courses WHERE courses.id = attendance.course_id)")
    with op.batch_alter_table("attendance") as batch:
        batch.alter_column("course_starts_at", existing_type=sa.DateTime, nullable=False)
        batch.drop_index("ix_attendance_user")
        batch.create_index("ix_attendance_user_course_starts", ["user_id", "course_starts_at", "hours"])
        batch.create_index("ix_attendance_course_hours", ["course_id", "hours"])
    for statement in _FOLLOW_SQLITE if op.get_bind().dialect.name == "sqlite" else _FOLLOW_PG:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS courses_start_to_attendance ON courses")
        op.execute("DROP FUNCTION IF EXISTS courses_start_to_attendance()")
    else:
        op.execute("DROP TRIGGER IF EXISTS courses_start_to_attendance")
    with op.batch_alter_table("attendance") as batch:
        batch.drop_index("ix_attendance_course_hours")
        batch.drop_index("ix_attendance_user_course_starts")
        batch.create_index("ix_attendance_user", ["user_id"])
        batch.drop_column("course_starts_at")
