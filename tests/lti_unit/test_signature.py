"""The id_token signature check: what jwt.decode refuses, signature_verifies refuses too."""
from __future__ import annotations

import base64
import binascii
import json
import random
import re

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from lti.launch_checks import LaunchAttempt
from lti.token_checks import _json, _segment, check_jwt_format, signature_verifies

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CLAIMS = {"sub": "ana", "nonce": "n-1"}


def token(headers=None, key=KEY, algorithm="RS256") -> str:
    return jwt.encode(CLAIMS, key, algorithm=algorithm, headers={"kid": "k1", **(headers or {})})


def header_of(t: str) -> dict:
    segment = t.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def parsed(t: str, header: dict | None = None) -> LaunchAttempt:
    """The attempt as the launch has it when it checks the signature: the token split and
    decoded by check_jwt_format (its header replaced, if given)."""
    a = LaunchAttempt(id_token=t, state="s", browser_id=None, now=0.0, leeway=0)
    assert check_jwt_format(a) is None
    if header is not None:
        a.header = header
    return a


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_good_signature_verifies():
    t = token()
    assert signature_verifies(parsed(t), KEY.public_key())


def tampered_payload(t):
    h, _, s = t.split(".")
    return f"{h}.{b64(json.dumps({**CLAIMS, 'sub': 'eve'}).encode())}.{s}"


def tampered_header(t):
    _, p, s = t.split(".")
    return f"{b64(json.dumps({'alg': 'RS256', 'kid': 'k1', 'typ': 'JWT', 'x': 1}).encode())}.{p}.{s}"


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


@pytest.mark.parametrize("mangle", [tampered_payload, tampered_header, stray_character, non_canonical_signature, non_canonical_header,
                                    too_much_padding])
def test_mangled_tokens_are_refused_as_pyjwt_refuses_them(mangle):
    t = mangle(token())
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(t, KEY.public_key(), algorithms=["RS256"], options={"verify_aud": False})
    assert not signature_verifies(parsed(t, header_of(token())), KEY.public_key())
    assert not signature_verifies(parsed(t), KEY.public_key())  # with the header it carries


def test_other_key_unencoded_payload_critical_extensions_and_key_type_mismatch():
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    t = token()
    assert not signature_verifies(parsed(t), other.public_key())
    for extra in ({"crit": ["exp"]}, {"b64": False, "crit": ["b64"]}):
        assert not signature_verifies(parsed(t, {**header_of(t), **extra}), KEY.public_key())
    ec_key = ec.generate_private_key(ec.SECP256R1())
    assert not signature_verifies(parsed(t), ec_key.public_key())  # RS256 header, EC key


@pytest.mark.parametrize("algorithm", ["RS384", "RS512", "PS256", "PS384", "PS512", "ES256"])
def test_the_other_allowed_algorithms_verify_through_pyjwt_and_a_swapped_alg_is_refused(algorithm):
    """RS256 with an RSA key is verified by cryptography directly; every other algorithm on
    the allow-list by PyJWT's algorithm objects. A header that names another algorithm than
    the one that signed fails either way."""
    key = ec.generate_private_key(ec.SECP256R1()) if algorithm == "ES256" else KEY
    t = token(algorithm=algorithm, key=key)
    assert signature_verifies(parsed(t), key.public_key())
    swapped = "RS256" if algorithm != "RS256" else "RS384"
    assert not signature_verifies(parsed(t, {**header_of(t), "alg": swapped}), key.public_key())
    assert not signature_verifies(parsed(tampered_payload(t)), key.public_key())


def test_an_rs256_signature_under_another_header_alg_is_refused():
    t = token()
    for alg in ("RS384", "PS256", "ES256"):
        assert not signature_verifies(parsed(t, {**header_of(t), "alg": alg}), KEY.public_key())


def round_trip(segment: str) -> tuple[bytes | None, bool]:
    """The definition _segment keeps: the lenient decoding the launch always used (None
    where it raises), and strictness as decoding and encoding again (RFC 7515's base64url,
    at most two "=" of padding and then a whole number of groups)."""
    try:
        data = base64.urlsafe_b64decode((segment + "=" * (-len(segment) % 4)).encode("ascii"))
    except (binascii.Error, ValueError):
        return None, False
    stripped = segment.rstrip("=")
    padding = len(segment) - len(stripped)
    strict = (padding <= 2 and not (padding and len(segment) % 4) and len(stripped) % 4 != 1
              and re.fullmatch(r"[A-Za-z0-9_-]*", stripped) is not None
              and base64.urlsafe_b64encode(data).rstrip(b"=").decode() == stripped)
    return data, strict


def test_segments_decode_and_read_as_strict_exactly_as_the_round_trip_says():
    rng = random.Random(18)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    stray = "+/=! \n.é"
    segments = [b64(rng.randbytes(n)) for n in range(40)]  # every length, canonical
    for _ in range(30_000):
        chars = [rng.choice(alphabet) for _ in range(rng.randrange(0, 12))]
        for _ in range(rng.choice((0, 0, 1, 2))):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(stray))
        segments.append("".join(chars) + "=" * rng.choice((0, 0, 0, 1, 2, 3)))
    strict_seen = 0
    for segment in segments:
        expected, strict = round_trip(segment)
        try:
            got = _segment(segment)
        except (binascii.Error, ValueError):
            got = None
        assert (got and got[0]) == expected and (got is not None and got[1]) == strict, segment
        strict_seen += strict
    assert 1_000 < strict_seen < len(segments) - 1_000  # both kinds were met


@pytest.mark.parametrize("data", [
    b'{"a": 1}', b'{"a": 1} \n', b'{"a": 1}x', b'{"a": 1}{}', b'{}', b'{', b'{"a": "\\ud800"}', b'{"a": "\xed\xa0\x80"}',
    b'{"a": "\xff"}', '{"a": 1}'.encode("utf-16-le"), '{"a": 1}'.encode("utf-16"), '{"a": 1}'.encode("utf-8-sig"),
    b' {"a": 1}', b'[1]', b'"{"', b'', b'{"a": NaN}',
])
def test_json_is_read_as_json_loads_reads_it(data):
    try:
        expected = json.loads(data)
    except ValueError as error:
        with pytest.raises(type(error)):
            _json(data)
    else:
        assert _json(data) == expected
