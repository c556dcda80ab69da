"""The application's parts, built one way for every entry point.

The web app (``adapter.web.create_app``), the CLI, the worker, the demo and the tests all
start from :func:`bootstrap`: the settings, the database engine, the key cipher, the
mappings, and the table of which handlers hear which coaching event. The table is bound
to the engine, so a record saved through the services from any of them queues its xAPI
statements and AGS scores — whether or not Flask was ever imported.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from adapter.config import Settings
from adapter.domain.roles import RoleMap
from adapter.domain.templates import TemplateCatalog
from adapter.logging_setup import redact_every_log
from adapter.mapping_files import load_role_map, load_templates
from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.key_cipher import KeyCipher
from adapter.reports import dashboards
from adapter.services import event_handlers, gradebook
from adapter.services.mail_events import MailOnEvents
from adapter.services.mail_messages import Mailer
from adapter.services.xapi_bridge import XapiBridge, activity_iri_base
from xapi.events import EventKind
from xapi.mapping import XapiMapping, load_mapping


@dataclass(frozen=True)
class Parts:
    settings: Settings
    engine: Engine
    cipher: KeyCipher | None  # None: private keys and LRS secrets are stored unsealed (development)
    role_map: RoleMap
    templates: TemplateCatalog
    xapi_mapping: XapiMapping
    handlers: event_handlers.HandlerTable


def key_cipher(settings: Settings) -> KeyCipher | None:
    return KeyCipher(settings.key_encryption_key) if settings.key_encryption_key else None


def handler_table(settings: Settings, mapping: XapiMapping) -> event_handlers.HandlerTable:
    """Every coaching event and who hears it, in the record's transaction: its xAPI
    statements (one outbox row per LRS), its score in the LMS gradebook (validations
    only), the organisation's report summary, and mail and calendar invitations
    (validations, planned check-ins and their withdrawal)."""
    statements = XapiBridge(activity_iri_base(settings.public_url), mapping)
    scores = gradebook.enqueue_scores
    summaries = dashboards.keep_summaries
    mail = MailOnEvents(Mailer(settings.public_url, settings.pseudo_locales))
    return {
        EventKind.REFLECTION_SUBMITTED: (statements, summaries),
        EventKind.CHECK_IN_HELD: (statements, summaries, mail),
        EventKind.COACHING_CONVERSATION_HELD: (statements, summaries, mail),
        EventKind.ACTION_AGREED: (statements, summaries),
        EventKind.ACTION_COMPLETED: (statements, summaries),
        EventKind.ACTION_DROPPED: (statements, summaries),
        EventKind.ACTION_REOPENED: (statements, summaries),
        EventKind.VALIDATION_REQUESTED: (statements, scores, summaries, mail),
        EventKind.APPLICATION_VALIDATED: (statements, scores, summaries, mail),
        EventKind.NEEDS_MORE_EVIDENCE: (statements, scores, summaries, mail),
        EventKind.RECORD_WITHDRAWN: (statements, scores, summaries, mail),
    }


def bootstrap(settings: Settings | None = None, *, engine: Engine | None = None, migrate: bool = True) -> Parts:
    """Build the parts from ``settings`` (default: the environment). ``migrate`` creates or
    upgrades the schema first (every command may be the first to run); ``engine`` reuses one."""
    redact_every_log()
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    mapping = load_mapping()
    handlers = handler_table(settings, mapping)
    event_handlers.bind(engine, handlers)
    return Parts(settings=settings, engine=engine, cipher=key_cipher(settings), role_map=load_role_map(),
                 templates=load_templates(), xapi_mapping=mapping, handlers=handlers)
