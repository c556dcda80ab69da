"""gunicorn's ``Date`` header, its text made once a second.

gunicorn formats the header for every response with ``email.utils.formatdate`` (a datetime
made and formatted: ~2–5 µs, 1.7 % of a launch's CPU under gunicorn, two responses per
launch). The text names whole seconds, so the responses of one second share it.
"""
from __future__ import annotations

import email.utils
import time

from gunicorn import util

_last: tuple[int, str] = (-1, "")  # the second and its text; replaced whole, so threads read a matching pair


def http_date(timestamp: float | None = None) -> str:
    """``gunicorn.util.http_date``: the same text for the same time. Within a microsecond of the
    next second ``formatdate`` may round up to it, so that moment (and a given time) is formatted."""
    global _last
    if timestamp is not None:
        return email.utils.formatdate(timestamp, localtime=False, usegmt=True)
    now = time.time()
    whole = int(now)
    if now - whole >= 0.999999:
        return email.utils.formatdate(now, localtime=False, usegmt=True)
    second, text = _last
    if whole != second:
        text = email.utils.formatdate(whole, localtime=False, usegmt=True)
        _last = (whole, text)
    return text


def install() -> None:
    """In a gunicorn worker (adapter/wsgi.py): its responses' Date through :func:`http_date`."""
    util.http_date = http_date
