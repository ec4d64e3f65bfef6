"""Course categories: which quota a course's hours count toward. Only 社会工作专业继续教育 counts
toward the 社工 continuing-education quota (社会工作者继续教育办法); the office's own (local)
quota counts what the admin says. Courses given before this had no category: they become
年度业务培训 (local quota only) until a trainer says which were professional education.

The local quota honours its period length: quota_settings.first_year is the first year of its
periods (a 3-year quota runs 2026–2028, 2029–2031, …).

Attendance's per-person index carries course_id, so summing the hours of counting courses stays
an index-only read.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CATEGORIES = [
    {"id": 1, "code": "social_work", "name": "社会工作专业继续教育", "counts_social_work": True, "counts_local": True},
    {"id": 2, "code": "induction", "name": "岗前培训", "counts_social_work": False, "counts_local": True},
    {"id": 3, "code": "annual", "name": "年度业务培训", "counts_social_work": False, "counts_local": True},
    {"id": 4, "code": "other", "name": "其他", "counts_social_work": False, "counts_local": False},
]
LEGACY = 3  # 年度业务培训


def upgrade() -> None:
    categories = op.create_table(
        "course_categories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(20), unique=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        sa.Column("counts_social_work", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("counts_local", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.bulk_insert(categories, [{**row, "active": True, "version": 1} for row in CATEGORIES])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('course_categories_id_seq', 4)")
    # add_column, not a batch: rebuilding courses on SQLite would drop the trigger that keeps
    # attendance.course_starts_at right (0006).
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("courses", sa.Column("category_id", sa.Integer,
                                           sa.ForeignKey("course_categories.id", ondelete="RESTRICT")))
    else:  # SQLite adds a column with its reference in place
        op.execute("ALTER TABLE courses ADD COLUMN category_id INTEGER "
                   "REFERENCES course_categories (id) ON DELETE RESTRICT")
    op.get_bind().execute(sa.text("UPDATE courses SET category_id = :legacy"), {"legacy": LEGACY})
    op.add_column("quota_settings", sa.Column("first_year", sa.Integer))
    op.execute("UPDATE quota_settings SET first_year = 2026 WHERE level = 'none'")
    op.drop_index("ix_attendance_user_course_starts", table_name="attendance")
    op.create_index("ix_attendance_user_course_starts", "attendance", ["user_id", "course_starts_at", "course_id", "hours"])


def downgrade() -> None:
    op.drop_index("ix_attendance_user_course_starts", table_name="attendance")
    op.create_index("ix_attendance_user_course_starts", "attendance", ["user_id", "course_starts_at", "hours"])
    with op.batch_alter_table("quota_settings") as batch:
        batch.drop_column("first_year")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("courses", "category_id")
    else:  # SQLite ≥ 3.35 drops a plain column in place (no rebuild, the trigger stays)
        op.execute("ALTER TABLE courses DROP COLUMN category_id")
    op.drop_table("course_categories")
