"""Why a login or launch was refused, as a value.

Every rule has its own code so an admin reading a support ticket (or a test) can tell
exactly which rule refused the request; the reason is one plain line for the error page,
in English marked with ``N_`` and translated by the page that shows it (``params`` fill
its named placeholders), since this library knows nothing of locales.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


def N_(text: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    """Marks a reason for the catalogs; the tool translates it when it renders the page.
    (A library of its own, lti/ does not import the adapter's copy.)"""
    return text


def N_(text: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    """Marks a reason for the catalogs; the tool translates it when it renders the page.
    (A library of its own, lti/ does not import the adapter's copy.)"""
    return text


@dataclass(frozen=True)
class Rejection:
    code: str
    reason: str
    status: int = 401
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def english(self) -> str:
        return self.reason % self.params if self.params else self.reason

    def __str__(self) -> str:  # pragma: no cover - convenience for logs
        return f"{self.code}: {self.english}"


def bad_request(code: str, reason: str, **params: Any) -> Rejection:
    return Rejection(code, reason, 400, params)


def unauthorized(code: str, reason: str, **params: Any) -> Rejection:
    return Rejection(code, reason, 401, params)


def forbidden(code: str, reason: str, **params: Any) -> Rejection:
    return Rejection(code, reason, 403, params)
