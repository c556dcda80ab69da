"""What every page and email calls a learning activity (one rule, so an activity has one
name wherever it appears): its title in the LMS, else the title it was deep-linked with,
else the title of the course resource it follows, else a numbered name — Open edX
launches a link by id only."""
from __future__ import annotations

from typing import Any, Mapping

from .source_text import Translate
from .translatable import N_

UNTITLED = N_("Untitled activity %(number)s")


def activity_title(link: Mapping[str, Any]) -> str | None:
    """The title a resource link (as people_store.named_links reads it) is known by, or None
    when it has none and needs the numbered name (``UNTITLED`` with ``number=link["id"]``)."""
    custom = link.get("custom") or {}
    return link.get("title") or custom.get("title") or link.get("followed_title") or None


def activity_name(link: Mapping[str, Any], translate: Translate) -> str:
    """What the activity is called, the numbered name in ``translate``'s language."""
    return activity_title(link) or translate(UNTITLED, number=link.get("id") or "").strip()
