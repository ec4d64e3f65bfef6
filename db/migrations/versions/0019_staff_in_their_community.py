"""Staff belong to their community: a supervisor or admin of a community now sees every grid of
it and nothing of another, so a supervisor, worker or trainer without a community would see
nothing. An installation with one community binds them to it; with several, an admin assigns
them (the users screen). Admins without a community keep administering the whole installation.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    communities = connection.execute(sa.text("SELECT id FROM communities")).scalars().all()
    if len(communities) == 1:
        connection.execute(sa.text("UPDATE users SET community_id = :community WHERE community_id IS NULL "
                                   "AND role IN ('supervisor', 'worker', 'trainer')"),
                           {"community": communities[0]})


def downgrade() -> None:
    pass  # a community kept on a user is harmless to the earlier schema
