"""The annual assessment (年度考核): a community's scheme (weights, thresholds, criteria, grade
bands), each worker's assessment of a year (self-summary, the 街道's score, sign-off, objection),
colleagues' peer scores and the residents' evaluation forms typed in from paper.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_settings",
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), primary_key=True),
        sa.Column("weight_street", sa.Integer, nullable=False),
        sa.Column("weight_peer", sa.Integer, nullable=False),
        sa.Column("weight_residents", sa.Integer, nullable=False),
        sa.Column("min_participants", sa.Integer, nullable=False),
        sa.Column("min_ordinary_percent", sa.Integer, nullable=False),
        sa.Column("criteria", sa.String(200), nullable=False),
        sa.Column("band_excellent", sa.Float, nullable=False),
        sa.Column("band_competent", sa.Float, nullable=False),
        sa.Column("band_basic", sa.Float, nullable=False),
        sa.Column("excellent_cap_percent", sa.Integer, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("self_summary", sa.Text, nullable=False, server_default=""),
        sa.Column("summary_at", sa.DateTime, nullable=True),
        sa.Column("street_score", sa.Float, nullable=True),
        sa.Column("street_note", sa.String(500), nullable=False, server_default=""),
        sa.Column("scored_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("total", sa.Float, nullable=True),
        sa.Column("grade", sa.String(20), nullable=False, server_default=""),
        sa.Column("signed_off_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("signed_off_at", sa.DateTime, nullable=True),
        sa.Column("objection", sa.Text, nullable=False, server_default=""),
        sa.Column("objection_at", sa.DateTime, nullable=True),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("answered_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("answered_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("user_id", "year", name="uq_assessments_user_year"),
    )
    op.create_index("ix_assessments_community_year", "assessments", ["community_id", "year"])
    op.create_table(
        "assessment_peer_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scorer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("scores", sa.Text, nullable=False),  # JSON: criterion -> 0..100
        sa.Column("score", sa.Float, nullable=False),  # their mean
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("assessment_id", "scorer_id", name="uq_assessment_peer_scores_scorer"),
    )
    op.create_table(
        "assessment_votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("verdict", sa.String(12), nullable=False),  # satisfied | basic | unsatisfied
        sa.Column("ordinary", sa.Boolean, nullable=False),  # an ordinary resident, not a 代表 or 党员
        sa.Column("channel", sa.String(8), nullable=False),  # paper
        sa.Column("typed_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("assessment_votes", "assessment_peer_scores", "assessments", "assessment_settings"):
        op.drop_table(table)
