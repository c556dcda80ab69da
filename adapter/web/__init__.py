"""The Flask application: app factory and blueprints by audience."""
from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask.templating import _default_template_ctx_processor
from flask_babel import gettext
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from adapter.bootstrap import bootstrap
from adapter.config import Settings

from . import (
    admin, admin_audit, admin_delivery, admin_invitations, admin_lrs, admin_mail, admin_people, admin_platforms,
    admin_relationships, admin_reports, admin_retention, auth, breakdown_pages, formatting, health, home,
    i18n, instructor, instructor_reports, kept_fragments, languages, learner, lti_endpoints, manager,
    manager_breakdown, manager_reports, navigation, notifications, parsing, recognition_page, registration,
    report_api, report_api_tokens, request_hooks, scim, tool_links, trend_pages, xapi_public,
)
from .app_components import EXTENSION, release_page_connection, web_components
from .domain_messages import init_app as init_domain_messages
from .responses import ToolResponse
from .tool_flask import ToolFlask
from .translated_templates import TranslatedTemplates

# Every page, by audience: each module's one blueprint, registered in this order.
BLUEPRINTS = (
    lti_endpoints.bp, registration.bp, home.bp, health.bp, xapi_public.bp,
    learner.bp, manager.bp, manager_reports.bp, manager_breakdown.bp, instructor.bp, instructor_reports.bp,
    admin.bp, admin_platforms.bp, admin_invitations.bp, admin_relationships.bp, admin_lrs.bp, admin_delivery.bp,
    admin_reports.bp, breakdown_pages.bp, trend_pages.bp, recognition_page.bp, report_api_tokens.bp,
    admin_people.bp, admin_retention.bp, admin_audit.bp, admin_mail.bp,
    notifications.bp, notifications.links, scim.bp, auth.bp, report_api.bp, languages.bp,
)


def create_app(settings: Settings | None = None, migrate: bool = True, **overrides: Any) -> Flask:
    settings = settings or Settings.from_env()
    settings.check()
    app = ToolFlask(__name__)
    app.jinja_environment = TranslatedTemplates  # before anything creates app.jinja_env
    app.response_class = ToolResponse
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
    app.extensions[EXTENSION] = parts
    app.teardown_request(release_page_connection)
    app.teardown_appcontext(release_page_connection)  # a page read outside a request
    request_hooks.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    auth.init_app(app)
    navigation.init_app(app)
    init_domain_messages(app)
    tool_links.init_app(app)
    kept_fragments.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
        # Flask (since 2.0) seeds every blueprint with its default context processor, as the app's:
        # each render in a blueprint would run it twice for the same two values (g, request).
        app.template_context_processors[blueprint.name].remove(_default_template_ctx_processor)

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException):
        if request.path.startswith(scim.bp.url_prefix + "/"):  # an unknown SCIM path gets a SCIM error
            return scim.error_response(error.code or 500, error.description or error.name)
        return render_template("error.html", code=error.name.lower().replace(" ", "_"),
                               reason=i18n.error_reason(error), status=error.code), error.code or 500

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        return render_template("error.html", code="internal_error",
                               reason=gettext("Something went wrong on our side. Please try again."), status=500), 500

    return app
