"""The small rules every record shares: text lengths, 1–5 scales, dates."""
from __future__ import annotations

from datetime import date
from typing import Any

from .translatable import N_

MAX_TEXT = 5000
SCALE = range(1, 6)
MAX_ID = 2 ** 63 - 1  # the database's BIGINT: a larger number names no record
REQUIRED = N_("%(field)s is required")
ONE_OF = N_("%(field)s must be one of %(choices)s")


class RuleViolation(ValueError):
    """A record would break a rule; ``field`` says which input, ``problem`` says why;
    ``name``, when known, is the form field it is about (pages link the message to it).

    Both are English marked with ``N_``: ``problem`` is the whole sentence, naming the field
    as ``%(field)s`` and any value as a named placeholder filled from ``params``, so the page
    translates it in the reader's language (``web.i18n.rule_problem``) without gluing words."""

    def __init__(self, field: str, problem: str, name: str | None = None, **params: Any) -> None:
        self.field, self.problem, self.name, self.params = field, problem, name, params
        super().__init__(self.english)

    @property
    def english(self) -> str:
        """The message in the source language: for logs, the CLI and machine clients (SCIM)."""
        return self.problem % {"field": self.field, **self.params}

    @property
    def all(self) -> list["RuleViolation"]:
        return [self]


class RuleViolations(RuleViolation):
    """Every rule one form breaks, so a person can fix them all at once."""

    def __init__(self, violations: list[RuleViolation]) -> None:
        first = violations[0]
        super().__init__(first.field, first.problem, first.name, **first.params)
        self.violations = violations

    @property
    def all(self) -> list[RuleViolation]:
        return self.violations


class FormChecks:
    """Runs each field's check, keeping every violation instead of stopping at the first."""

    def __init__(self) -> None:
        self.broken: list[RuleViolation] = []

    def check(self, name: str, rule, *args, **kwargs):
        """``rule(*args, **kwargs)``'s value, or None when it is broken (noted under ``name``,
        or under the names the rule gave when it checks several fields)."""
        try:
            return rule(*args, **kwargs)
        except RuleViolation as broken:
            for violation in broken.all:
                violation.name = violation.name or name
            self.broken.extend(broken.all)
            return None

    def within(self, prefix: str, rule, *args, **kwargs):
        """Like :meth:`check` for a rule checking a group of fields (a row of a form): each
        problem is noted under ``prefix`` + the name the rule gave it."""
        try:
            return rule(*args, **kwargs)
        except RuleViolation as broken:
            for violation in broken.all:
                violation.name = prefix + (violation.name or "")
            self.broken.extend(broken.all)
            return None

    def refuse(self, name: str, field: str, problem: str, **params: Any) -> None:
        self.broken.append(RuleViolation(field, problem, name, **params))

    def raise_if_broken(self) -> None:
        if self.broken:
            raise RuleViolations(self.broken)


def named(name: str, rule, *args, **kwargs):
    """``rule(*args, **kwargs)``'s value; when broken, the problem is about form field ``name``."""
    checks = FormChecks()
    value = checks.check(name, rule, *args, **kwargs)
    checks.raise_if_broken()
    return value


def whole_number(value: str | None) -> int | None:
    """A record id or a count as a form or URL sends it, or None: ASCII digits only
    (``"²".isdigit()`` is true but ``int("²")`` fails) and within the database's 64 bits."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def check_text(field: str, value: str | None, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise RuleViolation(field, REQUIRED)
    if len(text) > max_length:
        raise RuleViolation(field, N_("%(field)s is longer than %(max_length)d characters"), max_length=max_length)
    return text


def check_scale(field: str, value: int | str | None, *, required: bool = True) -> int | None:
    """A 1–5 answer (confidence, usefulness)."""
    if value in (None, ""):
        if required:
            raise RuleViolation(field, REQUIRED)
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RuleViolation(field, N_("%(field)s must be a whole number from 1 to 5")) from None
    if number not in SCALE:
        raise RuleViolation(field, N_("%(field)s must be from 1 to 5"))
    return number


def parse_date(field: str, value: str | date | None, *, required: bool = False) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        if required:
            raise RuleViolation(field, REQUIRED)
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleViolation(field, N_("%(field)s must be a date (YYYY-MM-DD)")) from None
