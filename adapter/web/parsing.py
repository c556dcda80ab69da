"""What every route's input goes through: numbers in URLs and forms parsed one way
(see ``whole_number``), and no NUL character anywhere (PostgreSQL text cannot hold one)."""
from __future__ import annotations

import io
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Request, abort, current_app, has_app_context
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.routing import BaseConverter, ValidationError
from werkzeug.sansio.http import parse_cookie
from werkzeug.utils import cached_property
from werkzeug.wsgi import get_content_length

from adapter.domain.rules import whole_number


class RecordIdConverter(BaseConverter):
    """``<int:…>`` in every route: ASCII digits within 64 bits, else the URL matches no route (404)."""

    regex = r"[0-9]{1,19}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


URLENCODED = "application/x-www-form-urlencoded"
READ_STEP = 64 * 1024  # werkzeug's LimitedStream.readall


class RequestParameters(ImmutableMultiDict):
    """werkzeug's ``ImmutableMultiDict`` for a request's query and form, whose ``get`` of an
    absent name answers its default at once: werkzeug's looks the name up, makes a
    ``BadRequestKeyError`` (an HTTP exception) and catches it (~1 µs hot; a launch asks for
    the page's ``done`` and ``undo``, absent, every time)."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's parameter names)
        if key not in self:
            return default
        return super().get(key, default, type)


class FormRequest(Request):
    """Werkzeug's request, with its cookies and the two commonest bodies read the short way:
    none (a GET) and a plain url-encoded form with its length given (the LTI posts, the tool's
    own forms). The same form as werkzeug's parser gives — the same ``parse_qsl`` call on the same
    text, nothing when the text is not UTF-8, over the size limit a 413, a body cut off or failing
    to read a 400 — without building a parser, a limited stream, a mimetype and its options, or a
    64 KB buffer for each read. Anything else (multipart, a charset parameter, no length, a body
    already read, debug mode's checks) goes through werkzeug's ``_load_form_data``."""

    parameter_storage_class = RequestParameters

    def _load_form_data(self) -> None:
        loaded = self.__dict__
        if "form" in loaded:
            return
        environ = self.environ
        content_type = environ.get("CONTENT_TYPE")
        length = limit = None
        if content_type == URLENCODED and "_cached_data" not in loaded:
            length, limit = get_content_length(environ), self.max_content_length
        # The app taken from its proxy once (~1 µs a request): in debug mode Flask's checks run.
        if content_type and (length is None or limit is None) or (
                has_app_context() and current_app._get_current_object().debug):
            super()._load_form_data()
            return
        form = None
        if length is not None:
            if length > limit:
                raise RequestEntityTooLarge()
            try:
                form = self.parameter_storage_class(parse_qsl(_read_body(environ, length, limit).decode(),
                                                              keep_blank_values=True, errors="werkzeug.url_quote"))
            except ValueError:  # as werkzeug's parser (silent): text that is not UTF-8 is no form
                pass
            loaded["stream"] = io.BytesIO()  # read to its end, as werkzeug leaves its own: get_data() is b""
        loaded["form"], loaded["files"] = form or self.parameter_storage_class(), self.parameter_storage_class()

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:
        """werkzeug's ``args``; a request without a query (a launch's POST, most pages) gets its
        empty one without ``parse_qsl`` (~2 µs)."""
        return super().args if self.query_string else self.parameter_storage_class()

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """werkzeug's ``parse_cookie`` of the one ``HTTP_COOKIE`` key a server sets (several Cookie
        headers joined in it), read directly: werkzeug's ``headers.getlist("Cookie")`` walks every
        key of the environ to find it (~3 µs a request)."""
        return parse_cookie(self.environ.get("HTTP_COOKIE", ""), cls=self.dict_storage_class)

    def close(self) -> None:
        """werkzeug's closes the files of a multipart form read, and there are none unless one
        was: it is not asked to walk an empty or unread ``files`` (~2 µs at every request's end)."""
        if self.__dict__.get("files"):
            super().close()


def _read_body(environ: dict, length: int, limit: int) -> bytes:
    """The body as werkzeug's limited stream reads it: its ``length`` bytes, a failing read the
    client gone (400), and so is a body that ends early — unless the server ends the stream
    itself (``wsgi.input_terminated``: gunicorn), which is then read to its end or the limit."""
    stream, body = environ["wsgi.input"], b""
    terminated = bool(environ.get("wsgi.input_terminated"))
    end = limit if terminated else length
    while len(body) < end:
        try:
            chunk = stream.read(length - len(body) if len(body) < length else min(READ_STEP, end - len(body)))
        except (OSError, ValueError) as error:
            raise ClientDisconnected() from error
        if not chunk:
            if not terminated:
                raise ClientDisconnected()
            break
        body += chunk
    return body


def _holds_nul(value: Any) -> bool:
    """Walked with a list, not by recursion: a document the parser read can nest nearly as deep
    as the interpreter's recursion limit, and this runs some frames deeper than the parser did."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _json_body(asked: Request) -> Any:
    """The JSON body, or None when it is not JSON this check can read: nested past the parser's
    depth (a RecursionError, not a ValueError); the endpoint refuses such a body itself."""
    try:
        return asked.get_json(silent=True)
    except RecursionError:
        return None


def refuse_nul(asked: Request) -> None:
    """In the path, the query, a form or a JSON body (SCIM): nothing stores a NUL character."""
    query, form = asked.args, asked.form  # both parsed first: a body over the limit is a 413 whatever it holds
    if ("\x00" in asked.path or _holds_nul_text(query) or _holds_nul_text(form)
            or (asked.environ.get("CONTENT_TYPE") not in (None, "", URLENCODED) and asked.is_json
                and b"\\u0000" in asked.get_data(cache=True).lower() and _holds_nul(_json_body(asked)))):
        abort(400, description="The request holds a NUL character, which no field accepts.")


def _holds_nul_text(fields: MultiDict) -> bool:
    """A parsed query's or form's names or values (all text) hold NUL: each joined into one text
    and searched once, not one by one (a MultiDict keeps each name's values as a list)."""
    return "\x00" in "".join(fields) or "\x00" in "".join(chain.from_iterable(dict.values(fields)))


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: their rules are built with the converter."""
    app.url_map.converters["int"] = RecordIdConverter
    app.request_class = FormRequest
