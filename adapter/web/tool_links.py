"""The tool's own addresses, as the LMS and the browser must use them: from the configured
public URL, or else from the request (behind a proxy only as far as it is trusted)."""
from __future__ import annotations

from flask import request, url_for

from adapter.services.tool_configuration import ToolUrls

from .app_components import components


def tool_url(endpoint: str) -> str:
    public = components().settings.public_url
    return public + url_for(endpoint) if public else url_for(endpoint, _external=True)


def tool_urls() -> ToolUrls:
    """Everything an LMS is given to reach the tool, from the same base as :func:`tool_url`."""
    return ToolUrls.for_base(components().settings.public_url or request.host_url)
