"""gunicorn's ``wsgi.errors``, its error log's streams found when first written to.

gunicorn gives every request a ``WSGIErrorsWrapper`` (``base_environ``): an ``io.RawIOBase``
that looks up the ``gunicorn.error`` logger (``logging.getLogger``, under the logging module's
lock) and lists its handlers' streams as it is made (~1.9 µs hot, twice a launch: ~0.5 % of
the tool's CPU under gunicorn at 32 browsers), though coachbridge's requests do not write to it.
Here the same wrapper finds them on the first write, with gunicorn's own wrapper, and writes
as it does; made, it costs the object alone (~0.4 µs). A write also goes where gunicorn's would
then: a wrapper made before the error log was reopened (``USR1``) writes to the reopened file.
"""
from __future__ import annotations

from functools import cached_property

from gunicorn.config import Config
from gunicorn.http import wsgi

_gunicorns = wsgi.WSGIErrorsWrapper


class ErrorsWhenWritten(_gunicorns):
    """``wsgi.errors``: gunicorn's ``WSGIErrorsWrapper``, its ``streams`` found on the first write."""

    def __init__(self, cfg: Config) -> None:  # as gunicorn's, RawIOBase's own __init__ not called
        self.cfg = cfg

    @cached_property
    def streams(self) -> list:
        return _gunicorns(self.cfg).streams


def install() -> None:
    """In a gunicorn worker (adapter/wsgi.py): its requests' ``wsgi.errors`` made as :class:`ErrorsWhenWritten`."""
    wsgi.WSGIErrorsWrapper = ErrorsWhenWritten
