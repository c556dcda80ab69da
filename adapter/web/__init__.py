"""The Flask application: app factory and blueprints by audience."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template, request
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from adapter.bootstrap import Parts, bootstrap
from adapter.config import Settings
from adapter.domain.roles import RoleMap
from adapter.persistence.key_cipher import KeyCipher
from adapter.persistence.key_store import ToolKeyStore
from adapter.persistence.lti_stores import SqlKeySetCache, SqlLoginStore, SqlRegistrationStore
from lti.jwks import PlatformKeys
from lti.safe_fetch import FencedSession, FetchLimits
from lti.validation import LaunchValidator

from . import parsing

KEY_SET_MAX_BYTES = 256 * 1024  # a key set with a dozen rotated keys is ~20 KB


@dataclass
class Components:
    """What the request handlers share: built once per process."""

    parts: Parts
    registrations: SqlRegistrationStore
    logins: SqlLoginStore
    tool_keys: ToolKeyStore
    validator: LaunchValidator

    @property
    def settings(self) -> Settings:
        return self.parts.settings

    @property
    def engine(self) -> Engine:
        return self.parts.engine

    @property
    def cipher(self) -> KeyCipher | None:
        return self.parts.cipher

    @property
    def role_map(self) -> RoleMap:
        return self.parts.role_map


def components() -> Components:
    return current_app.extensions["coachbridge"]


def web_components(parts: Parts) -> Components:
    registrations, logins = SqlRegistrationStore(parts.engine), SqlLoginStore(parts.engine)
    # A key set is fetched from the URL its registration names, fenced like every such fetch.
    key_sets = FencedSession(FetchLimits(allow_private_addresses=parts.settings.allow_private_addresses,
                                         max_bytes=KEY_SET_MAX_BYTES))
    validator = LaunchValidator(registrations, logins, PlatformKeys(SqlKeySetCache(parts.engine), key_sets),
                                clock=time.time)
    return Components(parts=parts, registrations=registrations, logins=logins,
                      tool_keys=ToolKeyStore(parts.engine, parts.cipher), validator=validator)


def create_app(settings: Settings | None = None, migrate: bool = True, **overrides: Any) -> Flask:
    settings = settings or Settings.from_env()
    settings.check()
    app = Flask(__name__)
    parsing.init_app(app)
    app.config.update(
        # The id_token is at most 64 KB; nothing a person posts here needs more than a few MB.
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
        **overrides,
    )
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)  # type: ignore[method-assign]
    parts = web_components(bootstrap(settings, migrate=migrate))
    if migrate:
        parts.tool_keys.seal_plaintext_keys()
    app.extensions["coachbridge"] = parts

    from . import (  # noqa: F401  (modules that add routes to the blueprints)
        admin, admin_delivery, admin_invitations, admin_lrs, admin_platforms, admin_relationships, auth, formatting,
        health, home, instructor, learner, lti_endpoints, manager, navigation, registration, roster, scim, xapi_public,
    )
    from . import admin_reports, instructor_reports, manager_reports  # noqa: F401  (dashboards, by audience)
    from . import admin_audit, admin_people, admin_retention  # noqa: F401  (personal data; the audit trail)
    health.init_request_logging(app)
    formatting.init_app(app)
    auth.init_app(app)
    navigation.init_app(app)
    from . import content_policy
    content_policy.init_app(app)
    for blueprint in (lti_endpoints.bp, registration.bp, learner.bp, manager.bp, instructor.bp, admin.bp,
                      xapi_public.bp, health.bp, home.bp, scim.bp, auth.bp):
        app.register_blueprint(blueprint)

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException):
        if request.path.startswith(scim.bp.url_prefix + "/"):  # an unknown SCIM path gets a SCIM error
            return scim.error_response(error.code or 500, error.description or error.name)
        return render_template("error.html", code=error.name.lower().replace(" ", "_"),
                               reason=error.description, status=error.code), error.code or 500

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        return render_template("error.html", code="internal_error",
                               reason="Something went wrong on our side. Please try again.", status=500), 500

    return app
