"""lti.login_state: the login travels in its state, sealed; what comes back is the login
the tool issued, or nothing."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from lti.client_storage import is_storage_state
from lti.login_state import LoginStates
from lti.oidc import browser_binding

STATES = LoginStates(b"k" * 32)
ISSUER = "https://lms.example.org/caf\u00e9"


@pytest.mark.parametrize("through_storage", [False, True])
@pytest.mark.parametrize("client_id", ["c1", "a b+c&d=e/f?g#h", "x\ny\u00ff", ""])
def test_a_state_opens_to_the_login_it_was_issued_for(through_storage, client_id):
    binding = browser_binding("browser-id")
    login = STATES.issue(ISSUER, client_id, binding, 1_900_000_000.7, through_storage=through_storage)
    assert STATES.open(login.state) == login
    assert (login.issuer, login.client_id, login.browser_binding, login.expires_at) == (
        ISSUER, client_id, binding, 1_900_000_000.0)
    assert is_storage_state(login.state) is through_storage
    assert STATES.issued_nonce(login.nonce)


def test_each_login_is_new_and_its_state_is_compact():
    one, two = (STATES.issue("https://lms.example.org", "client-1", browser_binding("b"), 1e9) for _ in range(2))
    assert len({one.state, two.state}) == 2 and len({one.nonce, two.nonce}) == 2
    assert len({one.login_id, two.login_id}) == 2
    assert len(one.state) <= 130 and len(one.nonce) <= 50 and len(one.login_id) <= 100  # used_logins' column; a short redirect


def test_anything_else_opens_to_nothing():
    login = STATES.issue(ISSUER, "c1", browser_binding("b"), 1e9)
    body, _, tag = login.state.rpartition(".")
    flipped = ("A" if body[5] != "A" else "B")
    for state in ("", ".", "x", body, tag, f"{body[:5]}{flipped}{body[6:]}.{tag}", f"cs.{login.state}",
                  f"{body}.{tag[:-1]}", f"{body}.{tag}=", f"{body}.\u00e9", "\u00e9." + tag):
        assert STATES.open(state) is None, state
    assert LoginStates(b"j" * 32).open(login.state) is None  # another secret


def test_a_nonce_is_recognised_only_as_issued():
    login = STATES.issue(ISSUER, "c1", browser_binding("b"), 1e9)
    login_id, _, tag = login.nonce.partition(".")
    for nonce in ("", "x", login_id, f"{login_id}.", f"{login_id}.{tag}x", f"AAAA.{tag}", f"\u00e9.{tag}",
                  f"{login_id}.\u00e9", "!!!.???"):
        assert not STATES.issued_nonce(nonce), nonce
    assert not LoginStates(b"j" * 32).issued_nonce(login.nonce)


def test_the_secret_is_long_and_never_shown():
    with pytest.raises(ValueError):
        LoginStates(b"short")
    assert "kkkk" not in repr(STATES)


@pytest.mark.parametrize("secret", [b"k" * 32, b"s" * 64, b"long" * 25])  # shorter than, as long as, longer than a block
@pytest.mark.parametrize("data", [b"", b"login", bytes(range(256)) * 3])
def test_tags_are_hmac_sha256_of_purpose_and_data(secret, data):
    """The tags come from an HMAC keyed once and copied per tag: they must be exactly
    HMAC-SHA256 of the purpose and the data, truncated, whatever the secret's length."""
    states = LoginStates(secret)
    for purpose in (b"state:", b"nonce:"):
        assert states._tag(purpose, data) == hmac.new(secret, purpose + data, hashlib.sha256).digest()[:16]


def test_states_and_nonces_are_what_quote_plus_leaves_as_they_are():
    """The login's redirect carries them unquoted (lti.oidc.start_login)."""
    from urllib.parse import quote_plus
    for n in range(2000):
        login = STATES.issue(ISSUER + "/\u00e9 ?&=" * (n % 3), f"c{n} +/&", browser_binding(f"b{n}"), 1e9 + n,
                             through_storage=bool(n % 2))
        assert quote_plus(login.state) == login.state and quote_plus(login.nonce) == login.nonce
