"""A login's ``state`` as a token the tool authenticates, so starting a login writes nothing.

The state carries what the launch needs to know of its login: a random login id, the
hash of the browser that started it, when it expires, and the registration (issuer,
client_id) it was started for, sealed with HMAC-SHA256 under a secret every worker of the
instance shares. The nonce is derived from the login id and sealed the same way, so the
launch can tell a nonce issued with this state, one the tool issued for another login,
and one it never issued. A login's only write is its consumption, by its launch
(:class:`lti.storage.LoginStore`): the record that it was used, kept until an hour after
the state expired, so a replay reads as one for as long as the state would be accepted.

A state sealed with another secret (one changed since the login started) reads as one the
tool never issued: the user starts the launch again from the course.
"""
from __future__ import annotations

import binascii
import hashlib
import hmac
import secrets
import struct

from .client_storage import STATE_PREFIX
from .storage import PendingLogin

_ID_BYTES = 16
_BINDING_BYTES = 16
_TAG_BYTES = 16  # HMAC-SHA256 truncated to 128 bits
_FIXED = struct.Struct(f">{_ID_BYTES}s{_BINDING_BYTES}sI")  # login id, binding, expiry (whole seconds)
# Never in UTF-8 text: separates the issuer from the client id without escaping either.
_SEPARATOR = b"\xff"


# base64url without padding, by binascii's own calls (the base64 module wraps them in two
# or three Python calls each).
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64_ascii(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _b64(data: bytes) -> str:
    return _b64_ascii(data).decode("ascii")


def _unb64(text: str) -> bytes:
    """Lenient, as base64.urlsafe_b64decode (a non-ASCII text raises a ValueError)."""
    return binascii.a2b_base64(text.encode("ascii").translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4))


def _same(sent: str, expected: bytes) -> bool:
    """Constant-time, on the text as sent: one state, one spelling."""
    return hmac.compare_digest(sent.encode("utf-8", "replace"), _b64_ascii(expected))


class LoginStates:
    """Seals logins into states and opens them again. ``secret``: the instance's key for
    login states (at least 32 bytes), never shown or logged."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the login state secret must be at least 32 bytes")
        # HMAC(secret, purpose + data), keyed once: a copy costs a third of a new HMAC.
        # (The standard library's HMAC, not one built from SHA-256 states by hand: that saved
        # ~2 us a launch, not worth a hand-made construction in a security check.)
        self._keyed = {purpose: hmac.new(secret, purpose, hashlib.sha256) for purpose in (b"state:", b"nonce:")}

    def __repr__(self) -> str:
        return "LoginStates(<secret>)"

    def _tag(self, purpose: bytes, data: bytes) -> bytes:
        mac = self._keyed[purpose].copy()
        mac.update(data)
        return mac.digest()[:_TAG_BYTES]

    def _nonce(self, login_id: bytes, login_id_text: str) -> str:
        return f"{login_id_text}.{_b64(self._tag(b'nonce:', login_id))}"

    def issue(self, issuer: str, client_id: str, browser_binding: str, expires_at: float,
              through_storage: bool = False) -> PendingLogin:
        """A new login; ``browser_binding`` as :func:`lti.oidc.browser_binding` makes it."""
        login_id = secrets.token_bytes(_ID_BYTES)
        expires = int(expires_at)
        payload = (_FIXED.pack(login_id, bytes.fromhex(browser_binding), expires)
                   + issuer.encode() + _SEPARATOR + client_id.encode())
        body = (STATE_PREFIX if through_storage else "") + _b64(payload)
        state = f"{body}.{_b64(self._tag(b'state:', body.encode('ascii')))}"
        login_id_text = _b64(login_id)
        return PendingLogin(state=state, login_id=login_id_text, nonce=self._nonce(login_id, login_id_text),
                            issuer=issuer, client_id=client_id, browser_binding=browser_binding,
                            expires_at=float(expires))

    def open(self, state: str) -> PendingLogin | None:
        """The login a state names, or None for one this tool did not seal (or not with this secret)."""
        body, _, tag = state.rpartition(".")
        try:
            if not _same(tag, self._tag(b"state:", body.encode("ascii"))):
                return None
        except UnicodeEncodeError:
            return None
        payload = _unb64(body.removeprefix(STATE_PREFIX))  # sealed by this tool: well formed
        login_id, binding, expires = _FIXED.unpack_from(payload)
        issuer, client_id = payload[_FIXED.size:].split(_SEPARATOR)
        login_id_text = _b64(login_id)
        return PendingLogin(state=state, login_id=login_id_text, nonce=self._nonce(login_id, login_id_text),
                            issuer=issuer.decode(), client_id=client_id.decode(), browser_binding=binding.hex(),
                            expires_at=float(expires))

    def issued_nonce(self, nonce: str) -> bool:
        """Whether the tool issued this nonce (for some login)."""
        login_id, _, tag = nonce.partition(".")
        try:
            return _same(tag, self._tag(b"nonce:", _unb64(login_id)))
        except ValueError:  # not base64
            return False


def nonce_login_id(nonce: str) -> str:
    """The login id (:attr:`PendingLogin.login_id`) of the login a nonce issued by this tool
    was derived from: the nonce is used when that login is."""
    return nonce.partition(".")[0]
