"""The tool's response class: Flask's, handing its headers to the server without the copy
werkzeug makes of them for every response, and a body in memory as a list."""
from __future__ import annotations

import re
from functools import lru_cache

from flask import Response
from werkzeug.datastructures import Headers
from werkzeug.urls import iri_to_uri
from werkzeug.utils import get_content_type

# What werkzeug gives a response with no headers, type or mimetype (a page's): its default.
_DEFAULT_CONTENT_TYPE = get_content_type(Response.default_mimetype, "utf-8")


class ToolResponse(Response):
    def __init__(self, response=None, status=None, headers=None, mimetype=None, content_type=None,
                 direct_passthrough: bool = False) -> None:
        """Werkzeug's, but a response without headers gets its default type without asking its
        empty headers for one (a missed header lookup raises and catches ``BadRequestKeyError``,
        an HTTP exception: ~3 µs of every page's response)."""
        if content_type is None and mimetype is None and not headers:
            content_type = _DEFAULT_CONTENT_TYPE
        super().__init__(response, status, headers, mimetype, content_type, direct_passthrough)

    def get_wsgi_headers(self, environ: dict) -> Headers:
        """The headers werkzeug's ``get_wsgi_headers`` returns — which copies them (~10, each
        validated again) to change, at most, the Location and Content-Location into URIs and
        the Content-Length — as they are when none of that changes them. The server gets a
        list of them either way (``to_wsgi_list``). A missing length of a body in memory (a
        redirect's) is added last, where werkzeug's copy has it."""
        status, headers = self.status_code, self.headers
        if status < 200 or status in (204, 304):  # werkzeug drops the length or entity headers
            return super().get_wsgi_headers(environ)
        locations, length = [], None
        for name, value in headers:
            lowered = name.lower()
            if lowered == "location":
                locations.append(value)
            elif lowered == "content-location":
                return super().get_wsgi_headers(environ)
            elif lowered == "content-length":
                length = value
        if locations and (len(locations) > 1 or self.autocorrect_location_header
                          or not _already_uri(locations[0])):
            return super().get_wsgi_headers(environ)
        if length is None and self.automatically_set_content_length and self.is_sequence:
            headers.add("Content-Length", str(sum(len(part) for part in self.iter_encoded())))
        return headers

    def get_app_iter(self, environ: dict):
        """What werkzeug's ``get_app_iter`` hands the server, as a list when the body is one in
        memory (a page's, a redirect's) and nothing is to run when the response closes: werkzeug
        wraps it in a generator that encodes each part and a ``ClosingIterator`` that calls
        ``close`` — which then closes nothing (a list has no ``close``) and runs no callback
        (~3 µs of every response, iterated by the server in Python). Anything else (a stream,
        ``call_on_close``, a body werkzeug leaves out: HEAD, 1xx, 204, 304) is werkzeug's."""
        status = self.status_code
        if (self._on_close or self.direct_passthrough or not self.is_sequence or environ["REQUEST_METHOD"] == "HEAD"
                or status < 200 or status in (204, 304)):
            return super().get_app_iter(environ)
        return [part.encode() if isinstance(part, str) else part for part in self.response]


def header_names(headers: Headers) -> set[str]:
    """The names ``headers`` hold, lower-cased: what the after-request rules ask before they put one."""
    return {name.lower() for name, _ in headers}


def put_header(headers: Headers, names: set[str], name: str, value: str) -> None:
    """``headers[name] = value`` — werkzeug's ``set``: the first header of that name replaced, any
    other dropped, else added last — without its scan of every header (each name lower-cased) when
    ``names`` (``header_names``, kept up to date here) says the response has none: then added."""
    if not default_header(headers, names, name, value):
        headers.set(name, value)


def default_header(headers: Headers, names: set[str], name: str, value: str) -> bool:
    """``headers.setdefault(name, value)``: added last when ``names`` (``header_names``, kept up
    to date here) says the response has none of that name; whether it was added."""
    lowered = name.lower()
    if lowered in names:
        return False
    headers.add(name, value)
    names.add(lowered)
    return True


# A query iri_to_uri leaves as it is: only the characters ``quote`` keeps with werkzeug's safe set
# for a query (never "#", a space, a tab or a line break, nothing outside ASCII).
_URI_QUERY = re.compile(r"[A-Za-z0-9_.~%!$&'()*+,/:;=?@-]+")


def _already_uri(location: str) -> bool:
    """``iri_to_uri(location) == location``, the address before a query looked at once per
    address: a login's Location is the platform's (same) address and a fresh query of ~300
    characters (state, nonce), all of them kept, and iri_to_uri of all of it costs ~10 µs.
    ``urlsplit`` finds the scheme, host and path before the first "?" and the query after it,
    and ``urlunsplit`` puts a non-empty query back after "?" as it was, so the whole is
    unchanged exactly when the address is."""
    address, mark, query = location.partition("?")
    if "#" in location or mark and not _URI_QUERY.fullmatch(query):
        return iri_to_uri(location) == location
    return _address_is_uri(address)


@lru_cache(maxsize=256)  # the platforms' login addresses, the tool's own pages
def _address_is_uri(address: str) -> bool:
    return iri_to_uri(address) == address
