"""gunicorn's checks of a response's headers, the name's answers kept per name.

gunicorn 27 checks every header an answer carries (``Response.process_headers``): the name
against the token pattern and the value against the field-value pattern (two regex matches,
the value's the length of a CSP or a cookie), and the name lower-cased twice, for
Content-Length and for the hop-by-hop names it drops: ~1–1.5 µs a header, ~17 headers a
launch. The tool answers with a dozen names, the same ones every time: what gunicorn decides
about a name is kept; a value of printable ASCII (0x20–0x7E) is one the value pattern accepts.
Anything else — a name not seen yet, a hop-by-hop name, a value with a tab or a character
above 0x7E, a name or value that is not a ``str`` — goes through gunicorn's own check.
"""
from __future__ import annotations

from gunicorn import util
from gunicorn.http import wsgi

from adapter.domain.kept_answers import KeptAnswers

_gunicorns = wsgi.Response.process_headers
# A name gunicorn accepts and passes on: is it Content-Length? (The tool answers with a few.)
_plain_names = KeptAnswers(256)


def process_headers(response: wsgi.Response, headers) -> None:
    """``gunicorn.http.wsgi.Response.process_headers``: the same headers passed on, the same
    length taken, the same refusals."""
    for name, value in headers:
        length = _plain_names.get(name) if type(name) is str else None
        if length is None or type(value) is not str or not (value.isascii() and value.isprintable()):
            _gunicorns(response, ((name, value),))  # raises for a name or value gunicorn refuses
            if length is None and type(name) is str and not util.is_hoppish(name):
                _plain_names.keep(name, name.lower() == "content-length")
            continue
        value = value.strip(" \t")
        if length:
            response.response_length = int(value)
        response.headers.append((name, value))


def install() -> None:
    """In a gunicorn worker (adapter/wsgi.py): its answers' headers checked by :func:`process_headers`."""
    wsgi.Response.process_headers = process_headers
