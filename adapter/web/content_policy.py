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

from flask import Request, Response, request

from .app_components import components

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


def frame_ancestors(endpoint: str | None) -> list[str]:
    parts = components()
    urls = parts.registrations.page_urls()
    if endpoint in REGISTRATION_ENDPOINTS:
        urls.append(request.values.get("openid_configuration", ""))
    origins = {found for found in map(origin, urls) if found}
    return ["'self'", *sorted(origins), *parts.settings.frame_ancestors]


def add_policy(asked: Request, response: Response) -> Response:
    if response.mimetype == "text/html":
        endpoint = asked.endpoint
        forms = [] if endpoint in OFF_SITE_FORMS else ["form-action 'self'"]
        response.headers["Content-Security-Policy"] = "; ".join(
            [*_FIXED, *forms, "frame-ancestors " + " ".join(frame_ancestors(endpoint))])
    elif "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response
