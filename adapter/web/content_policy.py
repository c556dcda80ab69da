"""``Content-Security-Policy`` on every answer: scripts, styles and everything else from
the tool only (no inline script or style anywhere), and framing only by the registered
platforms' pages — the LMS shows the tool in a frame, no other site may (clickjacking).

A registration page is framed by the LMS being registered, which is not registered yet:
the origin of the ``openid_configuration`` it was opened with may frame it.
"""
from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Request, Response

from .app_components import components
from .responses import default_header, put_header

REGISTRATION_ENDPOINTS = {"registration.confirm", "registration.register"}
# Pages whose form posts to the LMS (the Deep Linking answer); every other form posts to the tool.
OFF_SITE_FORMS = {"instructor.deep_link"}
# Pages that must read the same saved as a file (a person's export) keep their own <style>
# block; the policy allows exactly that block, by its hash.
SELF_CONTAINED_TEMPLATES = ("person_export.html",)


def inline_style_hashes() -> list[str]:
    templates = Path(__file__).resolve().parent / "templates"
    blocks = [block for name in SELF_CONTAINED_TEMPLATES
              for block in re.findall(r"<style>(.*?)</style>", (templates / name).read_text(), re.S)]
    return [f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'" for block in blocks]


_FIXED = ("default-src 'self'", "script-src 'self'", " ".join(["style-src 'self'", *inline_style_hashes()]),
          "img-src 'self' data:", "object-src 'none'", "base-uri 'none'")


@lru_cache(maxsize=1024)  # every page names the registered platforms' origins
def origin(url: str) -> str | None:
    """``scheme://host[:port]`` of a web address; None for anything else (a CSP source
    list must not take text that could end the directive)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or not all(c.isalnum() or c in ".-:[]" for c in host):
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


@lru_cache(maxsize=64)  # the same for every page while the registered platforms stay the same
def _page_policy(own_forms: bool, page_urls: tuple[str, ...], listed_ancestors: tuple[str, ...]) -> str:
    """A page's policy: its forms post to the tool only (``own_forms``), and the platforms'
    pages (and the origins the settings list) may frame it."""
    origins = sorted({found for found in map(origin, page_urls) if found})
    forms = ["form-action 'self'"] if own_forms else []
    return "; ".join([*_FIXED, *forms, "frame-ancestors " + " ".join(["'self'", *origins, *listed_ancestors])])


def add_policy(asked: Request, response: Response, names: set[str]) -> Response:
    """A page's policy in place of any the view set; any other answer's own, or none at all.
    ``names``: the response's header names, lower-cased (``responses.header_names``)."""
    if response.mimetype == "text/html":
        endpoint, parts = asked.endpoint, components()
        urls = parts.registrations.page_urls()
        made = _page_policy
        if endpoint in REGISTRATION_ENDPOINTS:  # the client's text: made afresh, never kept
            urls.append(asked.values.get("openid_configuration", ""))
            made = _page_policy.__wrapped__
        put_header(response.headers, names, "Content-Security-Policy",
                   made(endpoint not in OFF_SITE_FORMS, tuple(urls), parts.settings.frame_ancestors))
    else:
        default_header(response.headers, names, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    return response
