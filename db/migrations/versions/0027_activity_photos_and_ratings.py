"""Activities, after the day: photos (kept as files under data/, with a guardian's consent when
they show minors) and residents' ratings of an activity (its QR code or a phone call).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_photos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("stored_as", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("shows_minors", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("guardian_consent", sa.String(200), nullable=False, server_default=""),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
    )
    # A rating given about an activity: through its QR code (the token says which) or typed in.
    # SQLite cannot add a foreign key without rebuilding the table (ratings is the big one): the
    # key is declared where the database can add it in place.
    for table in ("survey_tokens", "ratings"):
        op.add_column(table, sa.Column("activity_id", sa.Integer, nullable=True))
        if op.get_bind().dialect.name == "postgresql":
            op.create_foreign_key(f"fk_{table}_activity", table, "activities", ["activity_id"], ["id"])
    op.create_index("ix_ratings_activity", "ratings", ["activity_id"])


def downgrade() -> None:
    op.drop_index("ix_ratings_activity", table_name="ratings")
    for table in ("ratings", "survey_tokens"):
        if op.get_bind().dialect.name == "postgresql":
            op.drop_constraint(f"fk_{table}_activity", table, type_="foreignkey")
        with op.batch_alter_table(table) as batch:
            batch.drop_column("activity_id")
    op.drop_table("activity_photos")
