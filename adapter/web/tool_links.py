"""The tool's own addresses, as the LMS and the browser must use them: from the configured
public URL, or else from the request (behind a proxy only as far as it is trusted)."""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask, g, has_request_context, request, url_for
from flask.globals import request_ctx

from adapter.domain.kept_answers import KeptAnswers
from adapter.services.tool_configuration import ToolUrls

from .app_components import components
from .kept_fragments import page_pure


_TOOL_URLS = KeptAnswers(1024)  # keyed by the host a request names, any text


def tool_url(endpoint: str) -> str:
    """``endpoint``'s address from the public URL, else from the request (a login sends the LMS
    its launch address), remembered per endpoint and what ``url_for`` builds it from: the public
    URL and the request's URL adapter (scheme, host, script root, subdomain, and the method,
    which picks among an endpoint's rules). A cookieless session's links carry its token
    (``url_defaults``): built afresh."""
    public = components().settings.public_url
    adapter = request_ctx.url_adapter if has_request_context() else None  # None: the host was refused
    if adapter is None or g.get("session_url_token"):
        return _tool_url(endpoint, public)
    key = (endpoint, public, adapter.url_scheme, adapter.server_name, adapter.script_name, adapter.subdomain,
           adapter.default_method)
    found = _TOOL_URLS.get(key)
    return found if found is not None else _TOOL_URLS.keep(key, _tool_url(endpoint, public))


def _tool_url(endpoint: str, public: str) -> str:
    return public + url_for(endpoint) if public else url_for(endpoint, _external=True)


def tool_urls() -> ToolUrls:
    """Everything an LMS is given to reach the tool, from the same base as :func:`tool_url`."""
    return ToolUrls.for_base(components().settings.public_url or request.host_url)


_PAGE_URLS = KeptAnswers(4096)  # a page's links with record ids vary


def _page_url_for(script_root: str) -> Callable[..., str]:
    """``url_for`` for one render's templates, remembered per address: every page names the
    same dozen addresses, and building one costs more than a lookup by far. Built afresh:
    relative endpoints, ``_external`` and the other options."""

    def page_url_for(endpoint: str, **values: Any) -> str:
        if endpoint[0] == "." or (values and any(name[0] == "_" for name in values)):
            return url_for(endpoint, **values)
        key = (script_root, endpoint, *values.items())
        try:
            return _PAGE_URLS[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list of tags, say)
            return url_for(endpoint, **values)
        return _PAGE_URLS.keep(key, url_for(endpoint, **values))

    return page_url_for


_URL_FORS: dict[str, Callable[..., str]] = {}
_URL_FORS_KEPT = 64  # each is page-pure, so kept for the app's life


def _template_url_for() -> dict[str, Any]:
    """Templates' ``url_for``, given per render (a context processor): one per script root, the
    same object each time, so a kept part of a page (kept_fragments) has it in its key — page-pure
    for the calls a kept part may make, a fixed endpoint without options (what a relative endpoint
    or ``_external`` would read of the request is not in its key). A cookieless session's links
    carry its token: Flask's, built afresh (and no part is kept)."""
    if not has_request_context() or g._get_current_object().get("session_url_token"):  # once: ~1 µs a proxy
        return {}
    script_root = request._get_current_object().script_root
    found = _URL_FORS.get(script_root)
    if found is None:
        if len(_URL_FORS) >= _URL_FORS_KEPT:  # more roots than a deployment has: not kept, not remembered
            return {"url_for": _page_url_for(script_root)}
        found = _URL_FORS[script_root] = page_pure(_page_url_for(script_root))
    return {"url_for": found}


def init_app(app: Flask) -> None:
    app.context_processor(_template_url_for)
