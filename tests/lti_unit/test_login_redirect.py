"""The authentication request a login redirects to: its query is urlencode's text for the
parameters, in the same order, whatever the registration, hint and message hint hold."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from lti.login_state import LoginStates
from lti.oidc import LoginRedirect, start_login
from lti.storage import Registration


class Registrations:
    def __init__(self, registration: Registration) -> None:
        self.registration = registration

    def find_registration(self, issuer: str, client_id: str) -> Registration | None:
        return self.registration if (issuer, client_id) == (self.registration.issuer, client_id) else None

    def registrations_for_issuer(self, issuer: str) -> list[Registration]:
        return [self.registration]


TEXTS = ["bench-client", "a b+c&d=e/f?g#h%20", "caf\u00e9 \U0001f642", "~._-", "", "x\ny"]


@pytest.mark.parametrize("client_id", TEXTS[:4])
@pytest.mark.parametrize("hint", TEXTS[1:])
@pytest.mark.parametrize("message_hint", [None, "", TEXTS[1], TEXTS[2]])
@pytest.mark.parametrize("auth_login_url", ["https://lms.test/auth", "https://lms.test/auth?tenant=a b"])
@pytest.mark.parametrize("through_storage", [False, True])
def test_the_redirect_query_is_urlencodes_text(client_id, hint, message_hint, auth_login_url, through_storage):
    registration = Registration(issuer="https://lms.test", client_id=client_id, auth_login_url=auth_login_url,
                                key_set_url="https://lms.test/jwks")
    params = {"iss": "https://lms.test", "login_hint": hint or "-", "target_link_uri": "https://tool.test/lti/launch",
              "client_id": client_id}
    if message_hint is not None:
        params["lti_message_hint"] = message_hint
    outcome = start_login(params, Registrations(registration), LoginStates(b"s" * 32),
                          "https://tool.test/lti/launch?x=1 2", "browser-id", through_storage=through_storage)
    assert isinstance(outcome, LoginRedirect)
    login = outcome.login
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": client_id, "redirect_uri": "https://tool.test/lti/launch?x=1 2",
             "login_hint": params["login_hint"], "state": login.state, "nonce": login.nonce}
    if message_hint:
        query["lti_message_hint"] = message_hint
    separator = "&" if "?" in auth_login_url else "?"
    assert outcome.url == f"{auth_login_url}{separator}{urlencode(query)}"
