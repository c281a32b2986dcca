"""theme evidence: the sentence of a mention that carries each assigned theme

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mention_themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mention_themes', schema=None) as batch_op:
        batch_op.drop_column('evidence')
