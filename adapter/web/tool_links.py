"""The tool's own addresses, as the LMS and the browser must use them: from the configured
public URL, or else from the request (behind a proxy only as far as it is trusted)."""
from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for

from adapter.services.tool_configuration import ToolUrls

from .app_components import components


def tool_url(endpoint: str) -> str:
    public = components().settings.public_url
    return public + url_for(endpoint) if public else url_for(endpoint, _external=True)


def tool_urls() -> ToolUrls:
    """Everything an LMS is given to reach the tool, from the same base as :func:`tool_url`."""
    return ToolUrls.for_base(components().settings.public_url or request.host_url)


_PAGE_URLS: dict[tuple, str] = {}
_PAGE_URLS_KEPT = 4096  # a page's links with record ids vary; start over rather than grow


def page_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` for the templates, remembered per path prefix: every page names the same
    dozen addresses, and building one costs more than a cache lookup by far. Built afresh:
    a cookieless session's links (they carry its token), relative endpoints, ``_external``
    and the other options."""
    if g.get("session_url_token") or endpoint.startswith(".") or any(name[0] == "_" for name in values):
        return url_for(endpoint, **values)
    key = (request.script_root, endpoint, *sorted(values.items()))
    try:
        found = _PAGE_URLS.get(key)
    except TypeError:  # a value that cannot be a key (a list of tags, say)
        return url_for(endpoint, **values)
    if found is None:
        if len(_PAGE_URLS) >= _PAGE_URLS_KEPT:
            _PAGE_URLS.clear()
        found = _PAGE_URLS[key] = url_for(endpoint, **values)
    return found


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = page_url_for
