"""Training: courses, expected participants, attendance, certificates, qualifications, quotas.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# 社会工作者继续教育办法: 助理社会工作师 72 hours, 社会工作师 and 高级社会工作师 90 hours in each
# 3-year registration period; staff without the qualification have the office's annual target.
QUOTAS = [
    {"level": "assistant", "period_years": 3, "hours": 72.0, "version": 1},
    {"level": "social_worker", "period_years": 3, "hours": 90.0, "version": 1},
    {"level": "senior", "period_years": 3, "hours": 90.0, "version": 1},
    {"level": "none", "period_years": 1, "hours": 24.0, "version": 1},
]


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(50), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False, server_default=""),
        sa.Column("trainer_id", sa.Integer, sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("place", sa.String(100), nullable=False, server_default=""),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("credit_hours", sa.Float, nullable=False),
        sa.Column("mandatory", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("roster_version", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("credit_hours > 0", name="ck_courses_hours"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_courses_times"),
    )
    op.create_index("ix_courses_starts", "courses", ["starts_at"])
    op.create_table(
        "course_participants",
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("hours", sa.Float, nullable=False, server_default="0"),
        sa.Column("recorded_by", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("course_id", "user_id", name="uq_attendance_course_user"),
        sa.CheckConstraint("status IN ('present', 'late', 'excused', 'absent')", name="ck_attendance_status"),
        sa.CheckConstraint("hours >= 0", name="ck_attendance_hours"),
    )
    op.create_index("ix_attendance_user", "attendance", ["user_id"])
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("number", sa.String(50), nullable=False, server_default=""),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_certificates_user_id", "certificates", ["user_id"])
    op.create_table(
        "staff_qualifications",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    quotas = op.create_table(
        "quota_settings",
        sa.Column("level", sa.String(20), primary_key=True),
        sa.Column("period_years", sa.Integer, nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.bulk_insert(quotas, QUOTAS)


def downgrade() -> None:
    for table in ("quota_settings", "staff_qualifications", "certificates", "attendance", "course_participants",
                  "courses"):
        op.drop_table(table)
