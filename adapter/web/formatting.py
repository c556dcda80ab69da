"""How pages write dates: one filter, so every page says a day the same way."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Flask


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


def init_app(app: Flask) -> None:
    app.add_template_filter(day)
    app.add_template_filter(source_words)
