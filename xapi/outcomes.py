"""What came of one POST of a batch to an LRS, as values the delivery loop matches on.

Exceptions are for bugs; an LRS saying no is an expected outcome with a decision
attached (deliver, split, bisect, dead-letter, retry later), so each is a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
import urllib3


@dataclass(frozen=True)
class Stored:
    """2xx: every statement of the batch is in the LRS, new or an identical duplicate.

    ``returned_ids`` is what the LRS listed (only the new ones for some LRSs, nothing on
    204). The ids are ours, so the batch's ids are known without it; never match these
    to the inputs by position.
    """

    status: int
    returned_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """409: a different statement with one of these ids is already stored."""

    message: str


@dataclass(frozen=True)
class Rejected:
    """400/422: the LRS refuses some statement of the batch as invalid."""

    status: int
    message: str


@dataclass(frozen=True)
class TooLarge:
    """413: the request is too large for the LRS."""

    message: str


@dataclass(frozen=True)
class Retryable:
    """Nothing decided: 429, 5xx, timeout, refused connection, auth or endpoint trouble.

    ``retry_after`` is the LRS's ``Retry-After`` in seconds from now, when it sent one.
    """

    reason: str
    status: int | None = None
    retry_after: float | None = None


PostOutcome = Stored | Conflict | Rejected | TooLarge | Retryable


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP-date; None if absent
    or unreadable. A date in the past means "now" (0)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


# What a request through requests may raise short of an answer: requests passes urllib3 errors
# it does not know (such as a refusal by the application's pool classes, xapi/lrs_client.py) on
# unwrapped.
TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError)


def refusal(exc: BaseException) -> str:
    """The plain words of a connection the application's pool classes refused before
    sending (xapi/lrs_client.py): an urllib3 error with a text ``reason`` (urllib3's own
    carry none, or an exception); '' for any other error."""
    reason = getattr(exc, "reason", None)
    return reason if isinstance(exc, urllib3.exceptions.HTTPError) and isinstance(reason, str) else ""


NOT_CONNECTED = "not connected: "  # how a row's last error begins the words of a refused connection


def failure(exc: BaseException) -> str:
    """A request that got no answer, in a row's last error: a refused connection in its
    own words, anything else by its type and message."""
    refused = refusal(exc)
    return f"{NOT_CONNECTED}{refused}" if refused else f"{type(exc).__name__}: {exc}"
