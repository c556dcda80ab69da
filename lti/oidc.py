"""Third-party initiated login: the first step of every LTI 1.3 launch.

The platform sends ``iss``, ``login_hint``, ``target_link_uri`` (and usually
``client_id`` and ``lti_message_hint``); the tool answers with a redirect to the
platform's authorization endpoint, carrying a fresh ``state`` and ``nonce``. The state
is sealed by the tool (:mod:`lti.login_state`, nothing is written): it carries the
registration and a hash of the browser that asked: a cookie's value, or, where the
browser keeps no cookie in the LMS iframe, a secret the tool stores in the platform's
frame (``through_storage``, see :mod:`lti.client_storage`).
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Mapping
from urllib.parse import quote_plus, urlencode, urlsplit

from .errors import N_, Rejection, bad_request, forbidden
from .login_state import LoginStates
from .storage import PendingLogin, Registration, RegistrationStore

LOGIN_LIFETIME = 600.0
# The authentication request's parameters that are the same for every login, first in its query.
_FIXED_QUERY = urlencode({"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                          "prompt": "none"})


@lru_cache(maxsize=256)
def _request_start(auth_login_url: str, client_id: str, redirect_uri: str) -> str:
    """The authentication request up to the login hint's value: the same login after login of a
    registration (quote_plus of a URL goes character by character, ~4 µs)."""
    separator = "&" if urlsplit(auth_login_url).query else "?"
    return (f"{auth_login_url}{separator}{_FIXED_QUERY}&client_id={quote_plus(client_id)}"
            f"&redirect_uri={quote_plus(redirect_uri)}&login_hint=")


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    login: PendingLogin


def new_browser_id() -> str:
    return secrets.token_urlsafe(24)


def browser_binding(browser_id: str) -> str:
    """What the state carries: a hash (128 bits of SHA-256), so whoever reads the state, in
    the LMS's URLs or in the tool's record of used logins, cannot forge the cookie."""
    return hashlib.sha256(browser_id.encode()).hexdigest()[:32]


def choose_registration(
    params: Mapping[str, str], registrations: RegistrationStore
) -> Registration | Rejection:
    """The registration a login is for: by (issuer, client_id), or the issuer's only one."""
    issuer = params.get("iss", "")
    client_id = params.get("client_id", "")
    if client_id:
        registration = registrations.find_registration(issuer, client_id)
        if registration is None:
            return forbidden("login_client_unknown", N_("This LMS client is not registered with the tool."))
        return registration
    candidates = registrations.registrations_for_issuer(issuer)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return forbidden("login_issuer_unknown", N_("This LMS is not registered with the tool."))
    return bad_request("login_client_id_required", N_("The LMS must send client_id: it has several registrations."))


def start_login(
    params: Mapping[str, str],
    registrations: RegistrationStore,
    states: LoginStates,
    redirect_uri: str,
    browser_id: str,
    clock: Callable[[], float] = time.time,
    through_storage: bool = False,
) -> LoginRedirect | Rejection:
    """Validate a login initiation and prepare the authentication request.

    ``browser_id`` is the cookie's value, or with ``through_storage`` the secret the
    login page stores in the platform; either way only its hash goes into the state."""
    for name in ("iss", "login_hint", "target_link_uri"):
        if not params.get(name):
            return bad_request(f"login_{name}_missing", N_("The LMS did not send %(name)s to start the launch."),
                               name=name)
    if urlsplit(params["target_link_uri"]).scheme not in ("http", "https"):
        return bad_request("login_target_link_uri_invalid", N_("The target link URI is not a web address."))
    registration = choose_registration(params, registrations)
    if isinstance(registration, Rejection):
        return registration
    if not registration.active:
        return forbidden("registration_disabled", N_("This LMS registration is disabled."))
    login = states.issue(registration.issuer, registration.client_id, browser_binding(browser_id),
                         clock() + LOGIN_LIFETIME, through_storage=through_storage)
    # urlencode's text for the same parameters in the same order: what is the same for the
    # registration made once, the hints quote_plus'd as urlencode does; the state and nonce are
    # base64url and "." (and "cs."), which quote_plus leaves as they are.
    url = (f"{_request_start(registration.auth_login_url, login.client_id, redirect_uri)}"
           f"{quote_plus(params['login_hint'])}&state={login.state}&nonce={login.nonce}")
    if params.get("lti_message_hint"):
        url += f"&lti_message_hint={quote_plus(params['lti_message_hint'])}"
    return LoginRedirect(url=url, login=login)
