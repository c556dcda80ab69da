"""How people appear in statements: identity format and privacy settings.

Each agent carries exactly one inverse functional identifier (IFI). The default is an
``account`` (homePage = platform issuer, name = LTI ``sub``): it needs no email and is
stable across renames. An admin may choose ``mbox`` or ``mbox_sha1sum`` per platform when
the LRS must match people by email; a person the LMS sent no email for falls back to the
account IFI, so a statement is never left without one.

An email address is used as the LMS sent it, with only its domain lowercased: the domain
is case-insensitive, the part before ``@`` belongs to the mail server and may not be
(RFC 5321). The same rule for ``mbox`` and ``mbox_sha1sum``, so a person's hash stays
the same however the LMS capitalises the domain.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Any

from xapi.events import Person


class IdentityFormat(str, enum.Enum):
    ACCOUNT = "account"
    MBOX = "mbox"
    MBOX_SHA1SUM = "mbox_sha1sum"


@dataclass(frozen=True)
class PrivacySettings:
    """Per-platform choices about what identifies people and what text leaves the tool.

    ``share_free_text``: text people wrote that they marked shared (reflections, shared
    check-in notes, evidence, feedback) goes to the LRS only when this is true. Private
    notes never do. Names are left out in ``mbox_sha1sum`` mode, whose point is to not
    reveal who the person is.
    """

    identity: IdentityFormat = IdentityFormat.ACCOUNT
    share_free_text: bool = False


def agent(person: Person, privacy: PrivacySettings) -> dict[str, Any]:
    """The xAPI Agent for ``person`` with exactly one IFI, per ``privacy.identity``."""
    result: dict[str, Any] = {"objectType": "Agent"}
    email = email_for_ifi(person.email) if person.email else None
    if privacy.identity is IdentityFormat.MBOX and email:
        result["mbox"] = f"mailto:{email}"
    elif privacy.identity is IdentityFormat.MBOX_SHA1SUM and email:
        result["mbox_sha1sum"] = hashlib.sha1(f"mailto:{email}".encode()).hexdigest()
    else:
        result["account"] = {"homePage": person.platform_issuer, "name": person.lti_sub}
    if person.name and privacy.identity is not IdentityFormat.MBOX_SHA1SUM:
        result["name"] = person.name
    return result


def email_for_ifi(email: str) -> str:
    """``Ann.Lee@Example.ORG`` -> ``Ann.Lee@example.org``: the local part kept, the domain lowercased."""
    local, at, domain = email.strip().rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else email.strip()
