"""emerging complaints: stored sentence vectors and the week's complaint groups

Revision ID: 0007
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'mention_vectors',
        sa.Column('mention_id', sa.Integer(), nullable=False),
        sa.Column('model_version', sa.String(length=100), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], ondelete='CASCADE',
                                name=op.f('fk_mention_vectors_mention_id_mentions')),
        sa.PrimaryKeyConstraint('mention_id', name=op.f('pk_mention_vectors')),
    )
    op.create_table(
        'emerging_clusters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('brand', sa.String(length=200), nullable=False),
        sa.Column('period_label', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_emerging_clusters')),
    )
    op.create_index('ix_emerging_clusters_brand_period', 'emerging_clusters',
                    ['brand', 'period_label'])


def downgrade() -> None:
    op.drop_index('ix_emerging_clusters_brand_period', table_name='emerging_clusters')
    op.drop_table('emerging_clusters')
    op.drop_table('mention_vectors')
