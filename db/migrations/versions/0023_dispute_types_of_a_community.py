"""Dispute types per community: the shared list (the 司法部 categories, kept by the system
administrator) and each community's own additions; a community may stop offering a shared type.

With one community, what its admin did to the list so far was that community's choice: types it
added become its own, and shared types it retired become shared types it does not offer. With
none or several, the list was the installation's and stays shared.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

SEEDED = 15  # the 司法部 categories 0003 inserted first, ids 1..15 (renamed or not)
SHARED = sa.text("community_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("dispute_types") as batch:
        batch.add_column(sa.Column("community_id", sa.Integer))
        batch.create_foreign_key("fk_dispute_types_community_id_communities", "communities", ["community_id"], ["id"])
        batch.drop_constraint("uq_dispute_types_name", type_="unique")
    op.create_index("uq_dispute_types_community_name", "dispute_types", ["community_id", "name"], unique=True)
    op.create_index("uq_dispute_types_shared_name", "dispute_types", ["name"], unique=True,
                    sqlite_where=SHARED, postgresql_where=SHARED)
    op.create_table(
        "dispute_type_opt_outs",
        sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("type_id", sa.Integer, sa.ForeignKey("dispute_types.id", ondelete="CASCADE"), primary_key=True),
    )
    bind = op.get_bind()
    communities = bind.execute(sa.text("SELECT id FROM communities")).scalars().all()
    if len(communities) == 1:
        only = {"community": communities[0], "seeded": SEEDED}
        bind.execute(sa.text("UPDATE dispute_types SET community_id = :community WHERE id > :seeded"), only)
        bind.execute(sa.text("INSERT INTO dispute_type_opt_outs (community_id, type_id) "
                             "SELECT :community, id FROM dispute_types WHERE id <= :seeded AND NOT active"), only)
        bind.execute(sa.text("UPDATE dispute_types SET active = :yes WHERE id <= :seeded"), {**only, "yes": True})


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE dispute_types SET active = :no WHERE id IN "
                         "(SELECT type_id FROM dispute_type_opt_outs)"), {"no": False})
    op.drop_table("dispute_type_opt_outs")
    op.drop_index("uq_dispute_types_shared_name", table_name="dispute_types")
    op.drop_index("uq_dispute_types_community_name", table_name="dispute_types")
    with op.batch_alter_table("dispute_types") as batch:
        batch.drop_constraint("fk_dispute_types_community_id_communities", type_="foreignkey")
        batch.drop_column("community_id")
        batch.create_unique_constraint("uq_dispute_types_name", ["name"])
