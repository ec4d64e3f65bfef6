"""Mediation as 人民调解法 and 人民调解工作若干规定 ask.

- Agreements are versions: a reopened case may reach a new one (round 2, 再次调解), the earlier
  one kept in the file and marked superseded; the unique (case_id) goes. Each records the
  parties' responsibilities, the place of performance, whether the parties declined a written
  agreement, and an application for 司法确认 (date, court, result).
- Parties carry what a 协议书 prints: an outside person's sex, birth date, ethnicity, address and
  ID number (encrypted like a resident's); an organisation's name, 统一社会信用代码 and
  法定代表人/负责人; an agent or guardian.
- A state change keeps the details its action asked for (routes explained on 调解不成, to whom on
  转介); statistics count failures from these rows, by date: (to_state, at) is indexed.
- A follow-up visit records whether the parties were told of 司法确认 or litigation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.drop_constraint("uq_agreements_case_id", type_="unique")
        batch.add_column(sa.Column("round", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("superseded_at", sa.DateTime))
        batch.add_column(sa.Column("responsibilities", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("performance_place", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("declined_written", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("judicial_applied_on", sa.Date))
        batch.add_column(sa.Column("judicial_court", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("judicial_result", sa.String(12), nullable=False, server_default=""))
        batch.add_column(sa.Column("judicial_decided_on", sa.Date))
        batch.create_index("ix_agreements_case_id", ["case_id"])
    with op.batch_alter_table("case_parties") as batch:
        batch.add_column(sa.Column("kind", sa.String(12), nullable=False, server_default="person"))
        batch.add_column(sa.Column("sex", sa.String(1), nullable=False, server_default=""))
        batch.add_column(sa.Column("birth_date", sa.Date))
        batch.add_column(sa.Column("ethnicity", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("address", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("id_enc", sa.Text))
        batch.add_column(sa.Column("id_masked", sa.String(18), nullable=False, server_default=""))
        batch.add_column(sa.Column("org_code", sa.String(18), nullable=False, server_default=""))
        batch.add_column(sa.Column("representative", sa.String(50), nullable=False, server_default=""))
        batch.add_column(sa.Column("representative_role", sa.String(12), nullable=False, server_default=""))
        batch.add_column(sa.Column("agent_kind", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("agent_name", sa.String(50), nullable=False, server_default=""))
        batch.add_column(sa.Column("agent_phone", sa.String(11), nullable=False, server_default=""))
    with op.batch_alter_table("case_state_changes") as batch:
        batch.add_column(sa.Column("details", sa.Text, nullable=False, server_default=""))
        batch.create_index("ix_case_state_changes_to_at", ["to_state", "at"])
    with op.batch_alter_table("follow_ups") as batch:
        batch.add_column(sa.Column("advised_court", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # Before 0009 a case held one agreement: going back would delete every superseded one (the
    # file of a re-mediated case) and renumber the rest. Refuse rather than lose them.
    superseded = op.get_bind().execute(sa.text("SELECT count(*) FROM agreements WHERE superseded_at IS NOT NULL"))
    if superseded.scalar():
        raise RuntimeError("cannot downgrade below 0009: superseded agreements would be lost")
    with op.batch_alter_table("follow_ups") as batch:
        batch.drop_column("advised_court")
    with op.batch_alter_table("case_state_changes") as batch:
        batch.drop_index("ix_case_state_changes_to_at")
        batch.drop_column("details")
    with op.batch_alter_table("case_parties") as batch:
        for column in ("agent_phone", "agent_name", "agent_kind", "representative_role", "representative", "org_code",
                       "id_masked", "id_enc", "address", "ethnicity", "birth_date", "sex", "kind"):
            batch.drop_column(column)
    # Parties' details (organisations, agents, outside persons' IDs) go with their columns.
    with op.batch_alter_table("agreements") as batch:
        batch.drop_index("ix_agreements_case_id")
        for column in ("judicial_decided_on", "judicial_result", "judicial_court", "judicial_applied_on",
                       "declined_written", "performance_place", "responsibilities", "superseded_at", "round"):
            batch.drop_column(column)
        batch.create_unique_constraint("uq_agreements_case_id", ["case_id"])
