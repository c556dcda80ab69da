"""Registration by invitation: a tool operator creates a one-time link for an LMS admin,
who pastes it into the LMS's "add a tool by URL" page (LTI Dynamic Registration).

The link is shown once: only its hash is stored. It expires, and the registration it
allows spends it in the same transaction that stores the new platform.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine

from adapter.persistence import invitation_store

INVITATION_LIFETIME = 7 * 24 * 3600  # long enough for an LMS admin in another organisation to get to it
REGISTER_PATH = "/lti/register/"


@dataclass(frozen=True)
class Invitation:
    id: int
    link: str  # shown once


def invite(engine: Engine, base_url: str, now: float, note: str = "",
           lifetime: float = INVITATION_LIFETIME) -> Invitation:
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        invitation_id = invitation_store.add_invitation(conn, token, _plain(note), now, now + lifetime)
    return Invitation(invitation_id, base_url.rstrip("/") + REGISTER_PATH + token)


def _plain(note: str) -> str:
    """The operator's note as one line of text, as the list of links shows it."""
    return "".join(ch if ch.isprintable() else " " for ch in note).strip()[:200]


def is_usable(engine: Engine, token: str, now: float) -> bool:
    with engine.connect() as conn:
        return invitation_store.usable_invitation(conn, token, now) is not None


def invitations(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return invitation_store.invitation_rows(conn)


def withdraw(engine: Engine, invitation_id: int, now: float) -> bool:
    with engine.begin() as conn:
        return invitation_store.withdraw_invitation(conn, invitation_id, now)
