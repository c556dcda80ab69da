"""What a person is called where people read it: pages, mail, calendar invitations and feeds,
downloads. Not the xAPI statements: their actors are identifiers, an erased person's the
pseudonym by design (README "Personal data")."""
from __future__ import annotations

from typing import Any, Callable

from .source_text import english
from .translatable import N_

# An erased person's row keeps a pseudonym for an LMS user id (personal_data's tombstone): records
# they wrote about others stay linked to it by id, but it is no name to show anyone.
ERASED_PREFIX = "erased-"
NAME_REMOVED = N_("Name removed")


def is_erased(sub: str) -> bool:
    return sub.startswith(ERASED_PREFIX)


def shown_name(name: str | None, email: str | None, sub: str, translate: Callable[[str], Any] = english) -> Any:
    """Their name, else their email, else their LMS user id; an erased person (nothing left but
    the pseudonym) as ``translate`` writes NAME_REMOVED: ``gettext`` on a page, mail's ``Text``
    to write it later in the recipient's language, English by default."""
    return name or email or (translate(NAME_REMOVED) if is_erased(sub) else sub)
