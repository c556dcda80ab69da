"""The launch request and its id_token as a signed JWT: one small, named check per rule
on the request's shape (state and token present), the token's algorithm, key id, issuer
and audience, times and signature.

Each check returns ``None`` when the rule holds or a :class:`Rejection` naming the rule;
:mod:`lti.launch_validation` runs them, cheap unauthenticated ones first.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from .errors import N_, Rejection, bad_request, unauthorized
from .launch_checks import LaunchAttempt

MAX_TOKEN_BYTES = 64 * 1024
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Bits of a last character that no byte uses, by the number of characters in the last group.
_UNUSED_BITS = {0: 0, 2: 0b1111, 3: 0b11}
_TO_STANDARD_ALPHABET = bytes.maketrans(b"-_", b"+/")
_PADDING = (b"", b"", b"==", b"=")  # by length % 4 (1: none, so that length is refused)
_JSON = json.JSONDecoder()


def _is_strict_base64url(segment: str) -> bool:
    """A JWS segment as RFC 7515 and PyJWT want it: the URL-safe alphabet only, at most
    two ``=`` of padding, and the canonical encoding (no stray trailing bits: the bits of
    the last character that no byte uses are zero, so decoding and encoding again gives
    the same text)."""
    stripped = segment.rstrip("=")
    padding = len(segment) - len(stripped)
    rest = len(stripped) % 4
    if padding > 2 or (padding and len(segment) % 4) or rest == 1 or not _BASE64URL.fullmatch(stripped):
        return False
    return not rest or not _ALPHABET.index(stripped[-1]) & _UNUSED_BITS[rest]


def _segment(segment: str) -> tuple[bytes, bool]:
    """A JWS segment decoded as the launch always decoded it (leniently: stray characters
    dropped, missing padding added), and whether it is strict, canonical base64url
    (:func:`_is_strict_base64url`: what the signature check asks). One pass for the
    usual segment (no ``=``, ``+`` or ``/``): the strict decoder refuses any other
    character and a length no encoding has, so only the last character's unused bits
    are left to check; any other segment takes the lenient decoder and the full check."""
    if "=" not in segment and "+" not in segment and "/" not in segment:
        rest = len(segment) % 4
        try:
            data = binascii.a2b_base64(segment.encode("ascii").translate(_TO_STANDARD_ALPHABET) + _PADDING[rest],
                                       strict_mode=True)
        except (binascii.Error, UnicodeEncodeError):
            pass
        else:
            return data, not rest or not _ALPHABET.index(segment[-1]) & _UNUSED_BITS[rest]
    padded = segment + "=" * (-len(segment) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")), _is_strict_base64url(segment)


def _json(data: bytes) -> Any:
    """``json.loads(data)``, without its encoding detection for the usual case: a text
    that opens an object ('{' then a byte that is not NUL) is UTF-8 to json.loads too."""
    if data[:1] == b"{" and data[1:2] != b"\0":
        text = data.decode("utf-8", "surrogatepass")  # json.loads's decoding of UTF-8
        value, end = _JSON.raw_decode(text)
        if end == len(text):
            return value
    return json.loads(data)  # trailing whitespace or data, another encoding, not an object


_PKCS1V15 = padding.PKCS1v15()
_PREHASHED_SHA256 = Prehashed(hashes.SHA256())


def _rs256_verifies(message: bytes, key: rsa.RSAPublicKey, signature: bytes) -> bool:
    """What PyJWT's RS256 does (RSASSA-PKCS1-v1_5, SHA-256) with cryptography, the digest by
    hashlib and the padding objects made once (~3 µs less per launch in place)."""
    try:
        key.verify(signature, hashlib.sha256(message).digest(), _PKCS1V15, _PREHASHED_SHA256)
    except InvalidSignature:
        return False
    return True


def signature_verifies(a: LaunchAttempt, key: Any) -> bool:
    """The JWS signature check of ``jwt.decode``, on the token as :func:`check_jwt_format`
    split it, without its per-character Python scan: every segment strictly base64url, no
    unencoded (``b64: false``) payload, no critical header extension, and the signature
    valid for ``header.alg`` (already on the allow-list) with the platform's key — RS256,
    LTI's, with cryptography directly, the others with PyJWT's algorithm objects."""
    header = a.header
    try:
        if not a.segments_strict or "crit" in header or header.get("b64", True) is not True:
            return False
        signature, strict = _segment(a.signature_segment)
        if not strict:
            return False
        if header["alg"] == "RS256" and isinstance(key, rsa.RSAPublicKey):
            return _rs256_verifies(a.signing_input.encode("ascii"), key, signature)
        algorithm = jwt.get_algorithm_by_name(header["alg"])
        return bool(algorithm.verify(a.signing_input.encode("ascii"), algorithm.prepare_key(key), signature))
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
    """Three segments, the first two JSON objects, decoded once here: the signature check
    uses what this keeps (the signing input, the signature segment, whether the first two
    segments were strict base64url)."""
    parts = a.id_token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("a JWT has three parts")
        (header_bytes, header_strict), (payload_bytes, payload_strict) = _segment(parts[0]), _segment(parts[1])
        header, payload = _json(header_bytes), _json(payload_bytes)
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise ValueError("header and payload must be JSON objects")
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):  # JSON nested past the parser's depth
        return bad_request("id_token_malformed", N_("The id_token is not a JSON Web Token."))
    a.header, a.claims = header, payload
    a.signing_input = a.id_token[:len(parts[0]) + len(parts[1]) + 1]
    a.signature_segment, a.segments_strict = parts[2], header_strict and payload_strict
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
