"""Launches without cookies: the tool side of the LTI Client Side postMessages and
Platform Storage specs, as pure data and decisions (the pages and routes are the app's).

When a login initiation carries ``lti_storage_target`` and the tool's cookie does not
come back inside the LMS iframe, the browser binding of the login travels through the
platform instead of a cookie:

1. login: the tool makes a fresh secret, seals ``sha256(secret)`` into the state as the
   login's browser binding (exactly as for the cookie), and answers with a page that asks the
   platform frame ``lti.capabilities``, then ``lti.put_data`` {key: per-state key,
   value: secret}, and only on a ``.response`` from the platform's origin and frame goes
   on to the platform's authorization endpoint;
2. launch: the id_token POST for such a login (its state says so) gets a page that asks
   ``lti.get_data`` {key} and posts the id_token, the state and the returned value back
   (accepted only from the tool's own page, :func:`value_posted_by_tool`); the validator
   checks the value against the binding like a cookie, then consumes the state once.

Every message goes to the platform's origin (that of its OIDC authorization endpoint),
never to ``*``; answers are accepted only from that origin and from the window asked.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .storage import PendingLogin

# A login bound through platform storage has a state that says so: the launch then asks
# the platform for the value instead of reading a cookie (the prefix is not a secret).
STATE_PREFIX = "cs."
KEY_PREFIX = "coachbridge_login_"
PARENT = "_parent"
CAPABILITIES = "lti.capabilities"
PUT_DATA = "lti.put_data"
GET_DATA = "lti.get_data"
RESPONSE_SUFFIX = ".response"
# How long the page waits for each answer before it offers the new-window fallback.
TIMEOUT_MS = 1500
MAX_TARGET_LENGTH = 255
# The launch form's field that carries the value read back from the platform.
VALUE_FIELD = "lti_storage_value"

# How a login initiation is answered.
COOKIE = "cookie"          # 302 to the platform, state bound to the cookie (no JavaScript)
PROBE = "probe"            # set the cookie, come back once to see whether the browser kept it
STORAGE = "storage"        # bind the state through the platform frame (postMessage)
NEW_WINDOW = "new_window"  # neither works in this frame: offer to continue in a new window


def login_binding(has_cookie: bool, probed: bool, fetch_dest: str | None, storage_target: str | None) -> str:
    """Which binding a login initiation gets.

    A browser that sent the tool's cookie keeps it: the cookie flow, unchanged. So does a
    top-level window. In a frame (``Sec-Fetch-Dest: iframe``, or a browser too old to say
    but whose LMS offers storage) without the cookie, the tool sets it and comes back once
    (``probed``); if it is still missing, storage when the LMS offers a valid target, else
    the new-window offer.
    """
    if has_cookie:
        return COOKIE
    framed = fetch_dest == "iframe" or (fetch_dest is None and bool(storage_target))
    if not framed:
        return COOKIE
    if not probed:
        return PROBE
    return STORAGE if valid_target(storage_target) else NEW_WINDOW


def valid_target(name: str | None) -> bool:
    """``_parent`` or the name of a frame (not another ``_``-keyword such as ``_top``)."""
    if not name or len(name) > MAX_TARGET_LENGTH:
        return False
    return name == PARENT or not name.startswith("_")


def is_storage_state(state: str) -> bool:
    return state.startswith(STATE_PREFIX)


def storage_key(state: str) -> str:
    """The platform storage key of one login: one value per state."""
    return KEY_PREFIX + state


def web_origin(url: str) -> str:
    """A URL's origin as browsers serialise it (default port dropped). For the platform:
    that of its OIDC authorization endpoint, the only origin the tool talks to and
    accepts answers from."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{scheme}://{host}{port}"


def awaiting_value(state: str, value: str | None, login: PendingLogin | None, now: float) -> bool:
    """An id_token POST that may first fetch its value from the platform: a storage
    login, unexpired, posted without the value (the caller then checks it is unused).
    Anything else goes straight to the validator (an unknown, used or expired state is
    refused there with its usual code)."""
    return value is None and is_storage_state(state) and login is not None and login.expires_at > now


def value_posted_by_tool(fetch_site: str | None, origin: str | None, tool_origin: str) -> bool:
    """The value may only come back in a POST from the tool's own launch page: a form on
    another site that posts someone's id_token, state and value (login CSRF: the victim
    would be signed in as the attacker) is refused. Browsers say where a POST comes from
    (``Sec-Fetch-Site``, ``Origin``); a client that says neither is no browser a third
    party can drive."""
    if fetch_site is not None:
        return fetch_site == "same-origin"
    return origin is None or origin == tool_origin


def _page(origin: str, target: str | None, request: dict[str, Any]) -> dict[str, Any]:
    return {"platform_origin": origin, "target": target if valid_target(target) else PARENT,
            "timeout_ms": TIMEOUT_MS, "capabilities": {"subject": CAPABILITIES}, "request": request,
            "response_subject": request["subject"] + RESPONSE_SUFFIX}


def login_page(login: PendingLogin, secret: str, auth_url: str, target: str) -> dict[str, Any]:
    """What the login page's script needs: where to ask, what to store, and where to go
    once the platform confirmed it (the authentication request, whose origin is the
    platform's)."""
    data = _page(web_origin(auth_url), target,
                 {"subject": PUT_DATA, "key": storage_key(login.state), "value": secret})
    return {**data, "next": auth_url}


def launch_page(state: str, auth_login_url: str, target: str | None) -> dict[str, Any]:
    """What the launch page's script needs: where to ask and which key to read back."""
    data = _page(web_origin(auth_login_url), target, {"subject": GET_DATA, "key": storage_key(state)})
    return {**data, "field": VALUE_FIELD}
