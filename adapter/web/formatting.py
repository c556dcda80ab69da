"""How pages write dates, numbers and the names of activities and report rows: one filter
each, so every page says them the same way, in the page's locale (Babel's CLDR data through Flask-Babel)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Mapping

from flask import Flask
from babel import Locale, numbers
from flask_babel import format_date, format_decimal, format_percent, format_timedelta, gettext
from jinja2 import pass_context
from markupsafe import Markup

from adapter.domain import activity_names
from adapter.domain.translatable import N_
from adapter.reports.dashboards import Group

from .request_locale import current_locale


def as_date(value: float | date | str) -> date:
    """A stored time (seconds since the epoch, UTC), an ISO day or a date, as the day it fell on."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return datetime.fromtimestamp(value, timezone.utc).date()


def day(value: float | date | str | None) -> Markup:
    """The day as the reader's locale writes it ("Dec 4, 2026", "4 déc. 2026"), in a <time>
    element that keeps the ISO date for machines."""
    if value is None or value == "":
        return Markup("")
    return _day(as_date(value), current_locale())


def day_text(value: float | date | str | None) -> str:
    """The same day as plain text, for attributes (aria-label, data-label) and CSV-free places."""
    return "" if value is None or value == "" else _day_text(as_date(value), current_locale())


@lru_cache(maxsize=4096)  # pages write the same days again and again (Babel takes ~10 µs a day)
def _day(the_day: date, locale: Locale | None) -> Markup:
    return Markup('<time datetime="{}">{}</time>').format(the_day.isoformat(), _day_text(the_day, locale))


@lru_cache(maxsize=4096)
def _day_text(the_day: date, locale: Locale | None) -> str:
    return format_date(the_day, "medium")  # in current_locale(), which is ``locale``


def number(value: float | int | None) -> str:
    """A count or a mean as the reader's locale writes it (1,234.5 / 1 234,5)."""
    return "" if value is None else _number(value, current_locale())


@pass_context  # so Jinja never runs it while compiling (on a constant), in whatever locale that is
def numbered(_context: Any, values: tuple[int, ...]) -> tuple[tuple[int, str], ...]:
    """Each value with how the reader's locale writes it, the locale found once (a scale's 1–5)."""
    locale = current_locale()
    return _numbered(values, locale) if locale is not None else tuple((v, _number(v, locale)) for v in values)


@lru_cache(maxsize=64)
def _numbered(values: tuple[int, ...], locale: Locale) -> tuple[tuple[int, str], ...]:
    return tuple((value, _number(value, locale)) for value in values)


def _number(value: float | int, locale: Locale | None) -> str:
    return _whole_number(value, locale) if type(value) is int and locale is not None else format_decimal(value)


@lru_cache(maxsize=4096)  # pages write the same small counts (a rating scale's 1–5) again and again
def _whole_number(value: int, locale: Locale) -> str:
    return numbers.format_decimal(value, locale=locale)


def percent(value: float | None, digits: int = 0) -> str:
    """A share (0.42) as a percentage in the reader's locale ("42%", "42 %")."""
    if value is None:
        return ""
    if not digits:
        return format_percent(value)
    # The locale's own pattern ("#,##0 %" in French), with decimals after its last digit.
    pattern = (current_locale() or Locale.parse("en")).percent_formats[None].pattern
    return format_percent(value, re.sub(r"0(?!.*0)", "0." + "0" * digits, pattern, count=1))


def duration(seconds: float) -> str:
    """How long something has waited, in the reader's words: "under an hour", "5 hours", "3 days"."""
    if seconds < 3600:
        return gettext("under an hour")
    return format_timedelta(timedelta(seconds=seconds), threshold=1.5)


# How the tool learned that someone manages someone, in the words a manager uses.
SOURCE_WORDS = {
    "mentor_claim": N_("your LMS lists you as their mentor"),
    "import": N_("imported by an administrator"),
    "nomination": N_("they named you and you confirmed"),
    "roster": N_("your LMS's course roster"),
    "provisioning": N_("your organisation's HR directory"),
}


def source_words(source: str) -> str:
    return gettext(SOURCE_WORDS[source]) if source in SOURCE_WORDS else source.replace("_", " ")


def activity_name(activity: Mapping[str, Any]) -> str:
    """What pages call an activity (adapter/domain/activity_names.py: the one rule)."""
    return activity_names.activity_name(activity, gettext)


def group_name(group: Group) -> str:
    """A report row's name, by the rule the CSV and the sorting use (dashboards.Group.name_in)."""
    return group.name_in(gettext)


def init_app(app: Flask) -> None:
    for template_filter in (day, day_text, duration, number, numbered, percent, activity_name, group_name, source_words):
        app.add_template_filter(template_filter)
