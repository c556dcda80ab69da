"""Settings, all from the environment, so one image serves every deployment.

Every variable is listed in README.md ("Configuration").
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


# Where the tool answers when nothing says otherwise (`coachbridge serve`'s default bind):
# the base of URLs printed by the CLI and of activity IRIs coined before one is set.
DEFAULT_PUBLIC_URL = "http://localhost:8000"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


class ConfigurationError(RuntimeError):
    """The environment does not describe a deployment the tool can safely run."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    instance_path: Path
    public_url: str  # e.g. https://coachbridge.example.org; empty = derive from requests
    trusted_proxies: int  # how many reverse proxies' X-Forwarded-* headers to believe
    production: bool
    key_encryption_key: str = field(default="", repr=False)
    session_lifetime: int = 8 * 3600
    # Origins besides the registered platforms' own that may frame the tool (an LMS whose
    # course pages live elsewhere than its issuer, e.g. https://*.instructure.com).
    frame_ancestors: tuple[str, ...] = ()
    # An LMS may register without an invitation, stored pending until an operator approves it.
    open_registration: bool = False
    # Registration fetches may reach private, loopback and link-local addresses (the demo, tests,
    # an LMS on the same private network); otherwise only public ones.
    allow_private_addresses: bool = False
    # The test-only pseudo-locales (adapter/translations/pseudo.py) may be chosen.
    pseudo_locales: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if environ is None else environ
        instance = Path(env.get("COACHBRIDGE_INSTANCE", "instance")).resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'coachbridge.db'}"
        settings = cls(
            database_url=database_url,
            instance_path=instance,
            public_url=env.get("COACHBRIDGE_PUBLIC_URL", "").rstrip("/"),
            trusted_proxies=int(env.get("COACHBRIDGE_TRUSTED_PROXIES", "0") or 0),
            production=env.get("COACHBRIDGE_ENV", "development").lower() == "production",
            key_encryption_key=env.get("COACHBRIDGE_KEY_ENCRYPTION_KEY", ""),
            frame_ancestors=tuple(env.get("COACHBRIDGE_FRAME_ANCESTORS", "").split()),
            open_registration=_flag(env.get("COACHBRIDGE_OPEN_REGISTRATION")),
            allow_private_addresses=_flag(env.get("COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES")),
            pseudo_locales=_flag(env.get("COACHBRIDGE_PSEUDO_LOCALES")),
        )
        return cls(**{**settings.__dict__, **overrides})  # type: ignore[arg-type]

    def check(self) -> None:
        """Refuse configurations that would be unsafe in production."""
        if self.production and not self.key_encryption_key:
            raise ConfigurationError(
                "COACHBRIDGE_ENV=production needs COACHBRIDGE_KEY_ENCRYPTION_KEY: the tool's private keys "
                "are encrypted at rest with it (make one with `coachbridge keys new-encryption-key`).")
