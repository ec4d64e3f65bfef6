"""Mediation log: dispute types, cases and their parties, sessions, agreements, follow-ups,
state changes, and the per-year case counter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# 司法部 人民调解 statistics categories, in their usual order.
DISPUTE_TYPES = ("婚姻", "家庭", "邻里", "房屋宅基地", "合同", "生产经营", "损害赔偿", "劳动争议", "医疗", "物业",
                 "征地拆迁", "环境污染", "道路交通", "山林土地", "其他")


def upgrade() -> None:
    types = op.create_table(
        "dispute_types",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("name", name="uq_dispute_types_name"),
    )
    op.bulk_insert(types, [{"name": name, "sort_order": index, "active": True, "version": 1}
                           for index, name in enumerate(DISPUTE_TYPES)])
    op.create_table(
        "case_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("intake_date", sa.Date, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("type_id", sa.Integer, sa.ForeignKey("dispute_types.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("mediator_id", sa.Integer, sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("amount_claimed_fen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("extended", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("concluded_on", sa.Date),
        sa.Column("closed_on", sa.Date),
        sa.Column("created_by", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("number", name="uq_cases_number"),
        sa.CheckConstraint("amount_claimed_fen >= 0", name="ck_cases_amount"),
    )
    op.create_index("ix_cases_live_intake", "cases", ["deleted_at", "intake_date", "id"])
    op.create_index("ix_cases_grid_state", "cases", ["grid_id", "state"])
    op.create_index("ix_cases_mediator_state", "cases", ["mediator_id", "state"])
    op.create_index("ix_cases_live_concluded", "cases", ["deleted_at", "concluded_on"])
    op.create_table(
        "case_parties",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id", ondelete="RESTRICT")),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(11), nullable=False, server_default=""),
        sa.Column("side", sa.String(20), nullable=False),
    )
    op.create_index("ix_case_parties_case_id", "case_parties", ["case_id"])
    op.create_table(
        "case_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("present", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_case_sessions_case_id", "case_sessions", ["case_id"])
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("agreed_on", sa.Date, nullable=False),
        sa.Column("written", sa.Boolean, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("amount_fen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("performance_deadline", sa.Date),
        sa.Column("performance_manner", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("case_id", name="uq_agreements_case_id"),
        sa.CheckConstraint("amount_fen >= 0", name="ck_agreements_amount"),
    )
    op.create_index("ix_agreements_agreed_on", "agreements", ["agreed_on"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("performed", sa.String(10), nullable=False),
        sa.Column("satisfaction", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name="ck_follow_ups_satisfaction"),
    )
    op.create_index("ix_follow_ups_case_id", "follow_ups", ["case_id"])
    op.create_table(
        "case_state_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=False),
        sa.Column("actor_username", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_case_state_changes_case_id", "case_state_changes", ["case_id"])


def downgrade() -> None:
    for table in ("case_state_changes", "follow_ups", "agreements", "case_sessions", "case_parties", "cases",
                  "case_counters", "dispute_types"):
        op.drop_table(table)
