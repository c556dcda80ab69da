"""The launch request and its id_token as a signed JWT: one small, named check per rule
on the request's shape (state and token present), the token's algorithm, key id, issuer
and audience, times and signature.

Each check returns ``None`` when the rule holds or a :class:`Rejection` naming the rule;
:mod:`lti.launch_validation` runs them, cheap unauthenticated ones first.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

import jwt

from .errors import N_, Rejection, bad_request, unauthorized
from .launch_checks import LaunchAttempt

MAX_TOKEN_BYTES = 64 * 1024
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})


def _b64_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Bits of a last character that no byte uses, by the number of characters in the last group.
_UNUSED_BITS = {0: 0, 2: 0b1111, 3: 0b11}


def _is_strict_base64url(segment: str) -> bool:
    """A JWS segment as RFC 7515 and PyJWT want it: the URL-safe alphabet only, at most
    two ``=`` of padding, and the canonical encoding (no stray trailing bits: the bits of
    the last character that no byte uses are zero, so decoding and encoding again gives
    the same text). Checked without decoding: the header and payload were decoded once
    already (check_jwt_format)."""
    stripped = segment.rstrip("=")
    padding = len(segment) - len(stripped)
    rest = len(stripped) % 4
    if padding > 2 or (padding and len(segment) % 4) or rest == 1 or not _BASE64URL.fullmatch(stripped):
        return False
    return not rest or not _ALPHABET.index(stripped[-1]) & _UNUSED_BITS[rest]


def _strict_base64url(segment: str) -> bytes:
    """A segment that passes :func:`_is_strict_base64url`, decoded."""
    if not _is_strict_base64url(segment):
        raise ValueError("not strict, canonical base64url")
    stripped = segment.rstrip("=")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


def signature_verifies(id_token: str, header: dict[str, Any], key: Any) -> bool:
    """The JWS signature check of ``jwt.decode`` (PyJWT's algorithm objects), without its
    per-character Python scan of the token: every segment strictly base64url, no
    unencoded (``b64: false``) payload, no critical header extension, and the signature
    valid for ``header.alg`` (already on the allow-list) with the platform's key."""
    try:
        header_segment, payload_segment, signature_segment = id_token.split(".")
        if not (_is_strict_base64url(header_segment) and _is_strict_base64url(payload_segment)):
            return False
        signature = _strict_base64url(signature_segment)
        if "crit" in header or header.get("b64", True) is not True:
            return False
        algorithm = jwt.get_algorithm_by_name(header["alg"])
        return bool(algorithm.verify(f"{header_segment}.{payload_segment}".encode("ascii"),
                                     algorithm.prepare_key(key), signature))
    except (ValueError, TypeError, binascii.Error, UnicodeError, NotImplementedError, jwt.PyJWTError):
        return False


# --- request shape ------------------------------------------------------------------

def check_state_present(a: LaunchAttempt) -> Rejection | None:
    if not a.state:
        return bad_request("state_missing", N_("The launch arrived without its state."))
    return None


def check_token_present(a: LaunchAttempt) -> Rejection | None:
    if not a.id_token:
        return bad_request("id_token_missing", N_("The launch arrived without an id_token."))
    return None


def check_token_size(a: LaunchAttempt) -> Rejection | None:
    if len(a.id_token) > MAX_TOKEN_BYTES:
        return bad_request("id_token_too_large", N_("The id_token is larger than any real launch needs."))
    return None


def check_jwt_format(a: LaunchAttempt) -> Rejection | None:
    parts = a.id_token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("a JWT has three parts")
        header, payload = _b64_json(parts[0]), _b64_json(parts[1])
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise ValueError("header and payload must be JSON objects")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return bad_request("id_token_malformed", N_("The id_token is not a JSON Web Token."))
    a.header, a.claims = header, payload
    return None


def check_algorithm_allowed(a: LaunchAttempt) -> Rejection | None:
    if a.header.get("alg") not in ALLOWED_ALGORITHMS:
        return unauthorized("alg_not_allowed", N_("The id_token is signed with an algorithm the tool does not accept."))
    return None


def check_kid_present(a: LaunchAttempt) -> Rejection | None:
    if not isinstance(a.header.get("kid"), str) or not a.header["kid"]:
        return unauthorized("kid_missing", N_("The id_token does not say which platform key signed it."))
    return None


# --- issuer and audience ----------------------------------------------------------------

def check_issuer(a: LaunchAttempt) -> Rejection | None:
    assert a.registration is not None
    if a.claims.get("iss") != a.registration.issuer:
        return unauthorized("iss_mismatch", N_("The id_token comes from another issuer than the login."))
    return None


def _audiences(a: LaunchAttempt) -> list[Any]:
    aud = a.claims.get("aud")
    return aud if isinstance(aud, list) else [aud]


def check_audience(a: LaunchAttempt) -> Rejection | None:
    assert a.registration is not None
    if a.registration.client_id not in _audiences(a):
        return unauthorized("aud_mismatch", N_("The id_token is meant for another client."))
    return None


def check_azp_when_several_audiences(a: LaunchAttempt) -> Rejection | None:
    if len(_audiences(a)) > 1 and "azp" not in a.claims:
        return unauthorized("azp_missing", N_("The id_token has several audiences but no authorized party."))
    return None


def check_azp_matches(a: LaunchAttempt) -> Rejection | None:
    assert a.registration is not None
    if "azp" in a.claims and a.claims["azp"] != a.registration.client_id:
        return unauthorized("azp_mismatch", N_("The id_token's authorized party is another client."))
    return None


# --- time -------------------------------------------------------------------------------

def _numeric(a: LaunchAttempt, name: str) -> float | None:
    value = a.claims.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_not_expired(a: LaunchAttempt) -> Rejection | None:
    exp = _numeric(a, "exp")
    if exp is None:
        return unauthorized("exp_missing", N_("The id_token has no expiry."))
    if exp + a.leeway < a.now:
        return unauthorized("token_expired", N_("The id_token has expired. Please launch again from your course."))
    return None


def check_issued_in_past(a: LaunchAttempt) -> Rejection | None:
    iat = _numeric(a, "iat")
    if iat is None:
        return unauthorized("iat_missing", N_("The id_token has no issue time."))
    if iat - a.leeway > a.now:
        return unauthorized("iat_in_future", N_("The id_token claims to be issued in the future."))
    return None


def check_not_before(a: LaunchAttempt) -> Rejection | None:
    nbf = _numeric(a, "nbf")
    if nbf is not None and nbf - a.leeway > a.now:
        return unauthorized("token_not_yet_valid", N_("The id_token is not valid yet."))
    return None
