"""tag corrections: people's fixes to sentiment and themes, kept apart from model output

Revision ID: 0005
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tag_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('theme', sa.String(length=100), nullable=True),
    sa.Column('before', sa.String(length=100), nullable=True),
    sa.Column('after', sa.String(length=100), nullable=True),
    sa.Column('corrected_by', sa.String(length=200), nullable=False),
    sa.Column('corrected_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name=op.f('fk_tag_corrections_mention_id_mentions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_corrections'))
    )
    with op.batch_alter_table('tag_corrections', schema=None) as batch_op:
        batch_op.create_index('ix_tag_corrections_mention', ['mention_id', 'field', 'theme'], unique=False)
    # the dashboard's date ranges across every brand
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index('ix_mentions_published', ['published_at'], unique=False)
        batch_op.create_index('ix_mentions_brand_published_cover', ['brand', 'published_at', 'source_id', 'rating'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index('ix_mentions_brand_published_cover')
        batch_op.drop_index('ix_mentions_published')
    with op.batch_alter_table('tag_corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_tag_corrections_mention')
    op.drop_table('tag_corrections')
