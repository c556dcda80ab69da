"""The id_token signature check: what jwt.decode refuses, signature_verifies refuses too."""
from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from lti.token_checks import signature_verifies

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CLAIMS = {"sub": "ana", "nonce": "n-1"}


def token(headers=None, key=KEY, algorithm="RS256") -> str:
    return jwt.encode(CLAIMS, key, algorithm=algorithm, headers={"kid": "k1", **(headers or {})})


def header_of(t: str) -> dict:
    segment = t.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_good_signature_verifies():
    t = token()
    assert signature_verifies(t, header_of(t), KEY.public_key())


def tampered_payload(t):
    h, _, s = t.split(".")
    return f"{h}.{b64(json.dumps({**CLAIMS, 'sub': 'eve'}).encode())}.{s}"


def stray_character(t):
    h, p, s = t.split(".")
    return f"{h}.{p[:10]}!{p[10:]}.{s}"


def non_canonical_signature(t):
    # The last character carries unused low bits: flipping them decodes to the same bytes.
    h, p, s = t.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(s[-1])
    return f"{h}.{p}.{s[:-1]}{alphabet[last ^ 1]}"


def non_canonical_header(t):
    # The same flip on the header's last character (checked without decoding it).
    h, p, s = t.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return f"{h[:-1]}{alphabet[alphabet.index(h[-1]) ^ 1]}.{p}.{s}"


def too_much_padding(t):
    return t + "==="


@pytest.mark.parametrize("mangle", [tampered_payload, stray_character, non_canonical_signature, non_canonical_header,
                                    too_much_padding])
def test_mangled_tokens_are_refused_as_pyjwt_refuses_them(mangle):
    t = mangle(token())
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(t, KEY.public_key(), algorithms=["RS256"], options={"verify_aud": False})
    assert not signature_verifies(t, header_of(token()), KEY.public_key())


def test_other_key_unencoded_payload_critical_extensions_and_key_type_mismatch():
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    t = token()
    assert not signature_verifies(t, header_of(t), other.public_key())
    for extra in ({"crit": ["exp"]}, {"b64": False, "crit": ["b64"]}):
        assert not signature_verifies(t, {**header_of(t), **extra}, KEY.public_key())
    ec_key = ec.generate_private_key(ec.SECP256R1())
    assert not signature_verifies(t, header_of(t), ec_key.public_key())  # RS256 header, EC key
