"""Tool signing keys: generation, JWK export and signing.

Loading an RSA key from PEM costs tens of milliseconds, so a :class:`SigningKey` keeps
the parsed key object and callers load each key once, never per request.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SIGNING_ALGORITHM = "RS256"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def rsa_public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """The public JWK with its RFC 7638 thumbprint as ``kid``."""
    numbers = public_key.public_numbers()
    jwk = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": SIGNING_ALGORITHM, "use": "sig"}


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key and its published identity."""

    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> "SigningKey":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid=rsa_public_jwk(private_key.public_key())["kid"], private_key=private_key)

    @classmethod
    def from_pem(cls, pem: bytes | str, password: bytes | None = None) -> "SigningKey":
        data = pem.encode() if isinstance(pem, str) else pem
        private_key = serialization.load_pem_private_key(data, password=password)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("tool keys must be RSA")
        return cls(kid=rsa_public_jwk(private_key.public_key())["kid"], private_key=private_key)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_jwk(self) -> dict[str, str]:
        return rsa_public_jwk(self.private_key.public_key())

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(
            claims,
            self.private_key,
            algorithm=SIGNING_ALGORITHM,
            headers={"kid": self.kid, **(headers or {})},
        )


def jwks_document(keys: list[SigningKey]) -> dict[str, list[dict[str, str]]]:
    """The JSON Web Key Set a tool publishes: every key a platform may still meet."""
    return {"keys": [key.public_jwk() for key in keys]}
