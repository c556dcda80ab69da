"""initial schema

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_set_cache',
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('keys', sa.JSON(), nullable=False),
    sa.Column('fetched_at', sa.Float(), nullable=False),
    sa.Column('fresh_until', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('url', name=op.f('pk_key_set_cache'))
    )
    op.create_table('pending_logins',
    sa.Column('state', sa.String(length=100), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('browser_binding', sa.String(length=100), nullable=False),
    sa.Column('target_link_uri', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('consumed_at', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_pending_logins')),
    sa.UniqueConstraint('nonce', name=op.f('uq_pending_logins_nonce'))
    )
    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_logins_expires_at'), ['expires_at'], unique=False)

    op.create_table('platforms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.Text(), nullable=False),
    sa.Column('auth_token_url', sa.Text(), nullable=False),
    sa.Column('key_set_url', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platforms')),
    sa.UniqueConstraint('issuer', 'client_id', name='uq_platforms_issuer_client')
    )
    op.create_table('tool_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('retired_at', sa.Float(), nullable=True),
    sa.Column('published_until', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_tool_keys_kid'))
    )
    op.create_table('contexts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_contexts_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contexts')),
    sa.UniqueConstraint('platform_id', 'deployment_id', 'context_id', name='uq_contexts_platform_context')
    )
    op.create_table('deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_deployments_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployments')),
    sa.UniqueConstraint('platform_id', 'deployment_id', name='uq_deployments_platform_deployment')
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('given_name', sa.String(length=255), nullable=False),
    sa.Column('family_name', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('last_launch_at', sa.Float(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_people_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('platform_id', 'sub', name='uq_people_platform_sub')
    )
    op.create_table('manager_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('ended_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['people.id'], name=op.f('fk_manager_links_learner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], name=op.f('fk_manager_links_manager_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manager_links')),
    sa.UniqueConstraint('learner_id', 'manager_id', 'source', name='uq_manager_links_pair_source')
    )
    with op.batch_alter_table('manager_links', schema=None) as batch_op:
        batch_op.create_index('ix_manager_links_manager', ['manager_id', 'ended_at'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('app_roles', sa.JSON(), nullable=False),
    sa.Column('lti_roles', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_memberships_context_pk_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_memberships_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('context_pk', 'person_id', name='uq_memberships_context_person')
    )
    op.create_table('resource_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('custom', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_resource_links_context_pk_contexts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_resource_links_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_links')),
    sa.UniqueConstraint('platform_id', 'deployment_id', 'resource_link_id', name='uq_resource_links_platform_link')
    )
    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('app_role', sa.String(length=20), nullable=False),
    sa.Column('app_roles', sa.JSON(), nullable=False),
    sa.Column('launch', sa.JSON(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_web_sessions_context_pk_contexts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_web_sessions_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_web_sessions_platform_id_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['resource_links.id'], name=op.f('fk_web_sessions_resource_link_pk_resource_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires_at'))

    op.drop_table('web_sessions')
    op.drop_table('resource_links')
    op.drop_table('memberships')
    with op.batch_alter_table('manager_links', schema=None) as batch_op:
        batch_op.drop_index('ix_manager_links_manager')

    op.drop_table('manager_links')
    op.drop_table('people')
    op.drop_table('deployments')
    op.drop_table('contexts')
    op.drop_table('tool_keys')
    op.drop_table('platforms')
    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_logins_expires_at'))

    op.drop_table('pending_logins')
    op.drop_table('key_set_cache')
