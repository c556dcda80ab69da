"""The Flask application: app factory and blueprints by audience."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from adapter.config import Settings
from adapter.domain.roles import RoleMap
from adapter.mapping_files import load_role_map
from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.key_cipher import KeyCipher
from adapter.services import event_handlers, gradebook, mail_events, reports, xapi_bridge
from adapter.persistence.key_store import ToolKeyStore
from adapter.persistence.lti_stores import SqlKeySetCache, SqlLoginStore, SqlRegistrationStore
from lti.jwks import PlatformKeys
from lti.validation import LaunchValidator


@dataclass
class Components:
    """What the request handlers share: built once per process."""

    settings: Settings
    engine: Engine
    registrations: SqlRegistrationStore
    logins: SqlLoginStore
    tool_keys: ToolKeyStore
    validator: LaunchValidator
    role_map: RoleMap


def components() -> Components:
    return current_app.extensions["coachbridge"]


def build_components(settings: Settings, engine: Engine | None = None) -> Components:
    engine = engine or make_engine(settings.database_url)
    registrations = SqlRegistrationStore(engine)
    logins = SqlLoginStore(engine)
    validator = LaunchValidator(registrations, logins, PlatformKeys(SqlKeySetCache(engine)), clock=time.time)
    event_handlers.register(gradebook.enqueue_scores)
    event_handlers.register(reports.keep_summaries)  # the admin dashboard's summary, in the record's transaction
    xapi_bridge.install(xapi_bridge.XapiBridge(xapi_bridge.activity_iri_base(settings.public_url)))
    mail_events.install(settings.public_url)  # mail and invitations, in the record's transaction
    return Components(settings=settings, engine=engine, registrations=registrations, logins=logins,
                      tool_keys=ToolKeyStore(engine, key_cipher(settings)), validator=validator,
                      role_map=load_role_map())


def key_cipher(settings: Settings) -> KeyCipher | None:
    return KeyCipher(settings.key_encryption_key) if settings.key_encryption_key else None


def create_app(settings: Settings | None = None, migrate: bool = True, **overrides: Any) -> Flask:
    settings = settings or Settings.from_env()
    settings.check()
    app = Flask(__name__)
    app.config.update(
        # The id_token is at most 64 KB; nothing a person posts here needs more than a few MB.
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
        **overrides,
    )
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)  # type: ignore[method-assign]
    parts = build_components(settings)
    if migrate:
        upgrade(parts.engine)
        parts.tool_keys.seal_plaintext_keys()
    app.extensions["coachbridge"] = parts

    from . import (  # noqa: F401  (modules that add routes to the blueprints)
        admin, admin_delivery, admin_lrs, admin_platforms, auth, health, instructor, learner, lti_endpoints,
        manager, registration, roster, xapi_public,
    )
    from . import admin_reports, instructor_reports, manager_reports  # noqa: F401  (dashboards, by audience)
    health.init_request_logging(app)
    auth.init_app(app)
    for blueprint in (lti_endpoints.bp, registration.bp, learner.bp, manager.bp, instructor.bp, admin.bp,
                      xapi_public.bp, health.bp):
        app.register_blueprint(blueprint)

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException):
        return render_template("error.html", code=error.name.lower().replace(" ", "_"),
                               reason=error.description, status=error.code), error.code or 500

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        return render_template("error.html", code="internal_error",
                               reason="Something went wrong on our side. Please try again.", status=500), 500

    return app
