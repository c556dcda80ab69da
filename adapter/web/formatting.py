"""How pages write dates and name activities: one filter each, so every page says them the same way."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Mapping

from flask import Flask
from flask_babel import gettext


def day(value: float | date | None) -> str:
    """A stored time (seconds since the epoch, UTC) or a date, as the day it fell on."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc).date()
    return value.isoformat()


# How the tool learned that someone manages someone, in the words a manager uses.
SOURCE_WORDS = {
    "mentor_claim": "your LMS lists you as their mentor",
    "import": "imported by an administrator",
    "nomination": "they named you and you confirmed",
    "roster": "your LMS's course roster",
    "provisioning": "your organisation's HR directory",
}


def source_words(source: str) -> str:
    return SOURCE_WORDS.get(source, source.replace("_", " "))


def activity_name(activity: Mapping[str, Any]) -> str:
    """What pages call an activity (a resource link as people_store.named_links reads it):
    its title in the LMS, else the title it was deep-linked with, else the name of the
    course resource it follows, else a numbered name (Open edX launches a link by id only)."""
    custom = activity.get("custom") or {}
    return (activity.get("title") or custom.get("title") or activity.get("followed_title")
            or gettext("Untitled activity %(number)s", number=activity.get("id") or "").strip())


def init_app(app: Flask) -> None:
    app.add_template_filter(day)
    app.add_template_filter(activity_name)
    app.add_template_filter(source_words)
