"""coaching records: reflections, conversations, agreed actions, validations, nominations, audit trail

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('record_version', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_audit_events_actor_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_audit_events_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_record', ['record_type', 'record_id'], unique=False)

    op.create_table('manager_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('decided_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['people.id'], name=op.f('fk_manager_nominations_learner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], name=op.f('fk_manager_nominations_manager_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manager_nominations'))
    )
    with op.batch_alter_table('manager_nominations', schema=None) as batch_op:
        batch_op.create_index('ix_manager_nominations_manager', ['manager_id', 'status'], unique=False)

    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('activity_iri', sa.Text(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('shared_notes', sa.Text(), nullable=False),
    sa.Column('private_notes', sa.Text(), nullable=False),
    sa.Column('next_on', sa.Date(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('withdrawn_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_conversations_context_pk_contexts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['people.id'], name=op.f('fk_conversations_learner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], name=op.f('fk_conversations_manager_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_conversations_platform_id_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['resource_links.id'], name=op.f('fk_conversations_resource_link_pk_resource_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_learner', ['learner_id', 'held_on'], unique=False)

    op.create_table('reflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('activity_iri', sa.Text(), nullable=True),
    sa.Column('learned', sa.Text(), nullable=False),
    sa.Column('applying', sa.Text(), nullable=False),
    sa.Column('support_needed', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('withdrawn_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_reflections_context_pk_contexts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['people.id'], name=op.f('fk_reflections_learner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_reflections_platform_id_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['resource_links.id'], name=op.f('fk_reflections_resource_link_pk_resource_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflections'))
    )
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.create_index('ix_reflections_learner', ['learner_id', 'resource_link_pk'], unique=False)

    op.create_table('validation_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('activity_iri', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('withdrawn_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_validation_requests_context_pk_contexts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['people.id'], name=op.f('fk_validation_requests_learner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_validation_requests_platform_id_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['resource_links.id'], name=op.f('fk_validation_requests_resource_link_pk_resource_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_validation_requests'))
    )
    with op.batch_alter_table('validation_requests', schema=None) as batch_op:
        batch_op.create_index('ix_validation_requests_learner', ['learner_id', 'status'], unique=False)

    op.create_table('agreed_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('activity_iri', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('withdrawn_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_agreed_actions_context_pk_contexts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_agreed_actions_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['people.id'], name=op.f('fk_agreed_actions_learner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], name=op.f('fk_agreed_actions_manager_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_agreed_actions_platform_id_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['resource_links.id'], name=op.f('fk_agreed_actions_resource_link_pk_resource_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreed_actions'))
    )
    with op.batch_alter_table('agreed_actions', schema=None) as batch_op:
        batch_op.create_index('ix_agreed_actions_learner', ['learner_id', 'status'], unique=False)

    op.create_table('validation_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('evidence_seen', sa.Text(), nullable=False),
    sa.Column('request_version', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], name=op.f('fk_validation_decisions_manager_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['validation_requests.id'], name=op.f('fk_validation_decisions_request_id_validation_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_validation_decisions'))
    )
    with op.batch_alter_table('validation_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_validation_decisions_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('validation_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_validation_decisions_request_id'))

    op.drop_table('validation_decisions')
    with op.batch_alter_table('agreed_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_agreed_actions_learner')

    op.drop_table('agreed_actions')
    with op.batch_alter_table('validation_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_validation_requests_learner')

    op.drop_table('validation_requests')
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_index('ix_reflections_learner')

    op.drop_table('reflections')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_learner')

    op.drop_table('conversations')
    with op.batch_alter_table('manager_nominations', schema=None) as batch_op:
        batch_op.drop_index('ix_manager_nominations_manager')

    op.drop_table('manager_nominations')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_record')

    op.drop_table('audit_events')
