"""The tool's Flask application class: Flask's, with some of the steps it takes for every
request made cheaper where the tool's configuration makes them the same every time, and the
hooks' loops reading the request from its context rather than through the ``request`` proxy.

Each override keeps Flask 3.1's behaviour and falls back to Flask's own method outside the case
it covers; ``tests/adapter_unit/test_tool_flask.py`` compares each with Flask's on the same input,
so a Flask or werkzeug release that changes them fails there first.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from itertools import chain
from typing import Any, Callable

from flask import Flask, Request, Response
from flask.globals import request_ctx
from flask.signals import request_tearing_down
from flask.sessions import NullSession, SessionInterface
from werkzeug.exceptions import BadHost
from werkzeug.routing import MapAdapter
from werkzeug.wsgi import get_host


_NOT_GIVEN = object()


class NoCookieSessions(SessionInterface):
    """coachbridge keeps its sessions server-side (``auth``) and sets no ``SECRET_KEY``: Flask's
    signed-cookie session opened none and made a new ``NullSession`` for every request (~1 µs).
    This gives every request the same one, as read-only as Flask's (any write raises); reads
    set its ``accessed`` flag, which Flask reads only to save a session, never a null one."""

    def __init__(self) -> None:
        self.null_session = NullSession()

    def open_session(self, app: Flask, request: Request) -> NullSession:
        return self.null_session

    def save_session(self, app: Flask, session: Any, response: Any) -> None:  # never called: always null
        return None


class ToolFlask(Flask):
    """``create_app``'s class (bench/launch/HISTORY.md, issue 18's ninth session: ~20 µs a request)."""

    session_interface = NoCookieSessions()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        """Flask's, remembered per function: Flask asks ``inspect.iscoroutinefunction`` (~0.5 µs)
        for every hook, view and context processor of every request — ten to fifteen times a
        request, always of the same functions (Flask refuses new hooks after the first request).
        Kept for at most 256 functions, so that per-request callables cannot grow it."""
        try:
            return self._synced[func]
        except KeyError:
            synced = super().ensure_sync(func)
            if len(self._synced) < 256:
                self._synced[func] = synced
            return synced
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)

    # Flask 3.1's preprocess_request, process_response and do_teardown_request, each reading the
    # request's blueprints through the ``request`` proxy: ~2 µs a read (the proxy's attribute
    # lookup fails over to its __getattr__), three a request. The same loops on the request
    # taken from its context, as Flask's process_response takes the context (~0.2 µs).

    def preprocess_request(self) -> Any:
        asked = request_ctx._get_current_object().request
        names = (None, *reversed(asked.blueprints))
        for name in names:
            for url_func in self.url_value_preprocessors.get(name, ()):
                url_func(asked.endpoint, asked.view_args)
        for name in names:
            for before_func in self.before_request_funcs.get(name, ()):
                answer = self.ensure_sync(before_func)()
                if answer is not None:
                    return answer
        return None

    def process_response(self, response: Response) -> Response:
        ctx = request_ctx._get_current_object()  # as Flask's
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        for name in chain(ctx.request.blueprints, (None,)):
            for func in reversed(self.after_request_funcs.get(name, ())):
                response = self.ensure_sync(func)(response)
        if not self.session_interface.is_null_session(ctx._session):
            self.session_interface.save_session(self, ctx._session, response)
        return response

    def do_teardown_request(self, exc: BaseException | None | object = _NOT_GIVEN) -> None:
        if exc is _NOT_GIVEN:
            exc = sys.exc_info()[1]
        for name in chain(request_ctx._get_current_object().request.blueprints, (None,)):
            for func in reversed(self.teardown_request_funcs.get(name, ())):
                self.ensure_sync(func)(exc)
        request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def update_template_context(self, context: dict[str, Any]) -> None:
        """Flask 3.1's, the request's blueprints read from its context (Flask asks the ``request``
        proxy twice, for its truth and its blueprints: ~1 µs of ~5.6 a render, every page)."""
        try:
            names = (None, *reversed(request_ctx._get_current_object().request.blueprints))
        except RuntimeError:  # no request (an email): the app's processors, as Flask's
            names = (None,)
        given = context.copy()  # the view's values win over the processors'
        for name in names:
            for func in self.template_context_processors.get(name, ()):
                context.update(self.ensure_sync(func)())
        context.update(given)

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Flask 3.1's adapter, built without werkzeug's ``Map.bind_to_environ``, which finds the
        Host again, decodes three environ values, looks for a WebSocket upgrade and IDNA-encodes
        the host, ~4 µs a request. Here the host is found once and encoded once per host. Only
        for the tool's configuration: no ``SERVER_NAME``, no ``TRUSTED_HOSTS``, neither host nor
        subdomain matching, no ``Upgrade`` header; anything else is Flask's."""
        config, url_map = self.config, self.url_map
        if (request is None or config["TRUSTED_HOSTS"] is not None or config["SERVER_NAME"] is not None
                or url_map.host_matching or self.subdomain_matching or "HTTP_UPGRADE" in request.environ):
            return super().create_url_adapter(request)
        environ = request.environ
        request.host = host = get_host(environ)  # type: ignore[misc]  # as Flask sets it
        script_name, path_info = _wsgi_text(environ.get("SCRIPT_NAME")), _wsgi_text(environ.get("PATH_INFO"))
        return MapAdapter(url_map, _server_name(host.lower()), "/" if script_name is None else script_name,
                          url_map.default_subdomain or "", environ["wsgi.url_scheme"],
                          "/" if path_info is None else path_info, environ["REQUEST_METHOD"],
                          query_args=_wsgi_text(environ.get("QUERY_STRING")))


def _wsgi_text(value: str | None) -> str | None:
    """An environ value as werkzeug decodes it (``_wsgi_decoding_dance``): latin-1 bytes read as UTF-8."""
    return None if value is None else value.encode("latin1").decode(errors="replace")


@lru_cache(maxsize=256)  # the hosts the tool is asked by: a few
def _server_name(host: str) -> str:
    """``Map.bind``'s server name: the host IDNA-encoded, its port kept; not encodable, a 400."""
    name, port_mark, port = host.partition(":")
    try:
        return f"{name.encode('idna').decode('ascii')}{port_mark}{port}"
    except UnicodeError as error:
        raise BadHost() from error
