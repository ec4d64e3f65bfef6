"""Residents' evaluation (群众测评) by QR code: a survey token may stand for a worker's assessment
of a year, and each form it brings in remembers the code (a code's hourly limit counts them).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A third kind of code; SQLite changes a CHECK only by rebuilding the table (a small one).
    with op.batch_alter_table("survey_tokens") as batch:
        batch.drop_constraint("ck_survey_tokens_kind", type_="check")
        batch.create_check_constraint("ck_survey_tokens_kind", "kind IN ('single_use', 'poster', 'evaluation')")
    op.add_column("survey_tokens", sa.Column("assessment_id", sa.Integer, nullable=True))
    op.add_column("assessment_votes", sa.Column("token_id", sa.Integer, nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot add a key to a table in place
        op.create_foreign_key("fk_survey_tokens_assessment", "survey_tokens", "assessments", ["assessment_id"], ["id"])
        op.create_foreign_key("fk_assessment_votes_token", "assessment_votes", "survey_tokens", ["token_id"], ["id"])
    op.create_index("ix_assessment_votes_token", "assessment_votes", ["token_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_assessment_votes_token", table_name="assessment_votes")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_assessment_votes_token", "assessment_votes", type_="foreignkey")
        op.drop_constraint("fk_survey_tokens_assessment", "survey_tokens", type_="foreignkey")
    with op.batch_alter_table("assessment_votes") as batch:
        batch.drop_column("token_id")
    op.execute(sa.text("DELETE FROM survey_tokens WHERE kind = 'evaluation'"))
    with op.batch_alter_table("survey_tokens") as batch:
        batch.drop_column("assessment_id")
        batch.drop_constraint("ck_survey_tokens_kind", type_="check")
        batch.create_check_constraint("ck_survey_tokens_kind", "kind IN ('single_use', 'poster')")
