"""Structured logs: one JSON object per line, with the request id, and never a secret.

Tokens, assertions, passwords and keys must not reach a log line even by accident (an
exception message that quotes a request body, say). :func:`redact_every_log` scrubs every
record as it is made, whichever logger and handler it goes to — werkzeug's request log
under ``coachbridge demo`` included — and the JSON formatter scrubs again last.
"""
from __future__ import annotations

import json
import logging
import math
import re
import time

# A secret's name, then "=" or ":" and its value. Every match holds "=" or ":" (neither has a
# case variant), and this is the costly pattern to search for (its eleven names at each
# character, case-insensitively): a text without either is not searched for it.
_NAMED_VALUE = re.compile(r"((?:id_token|client_assertion|access_token|registration_token|password|client_secret|"
                          r"state|nonce|cb_s|lti_storage_value)[\"']?\s*[=:]\s*[\"']?)[^\s&\"',}]+", re.IGNORECASE)
REDACTIONS = [
    (re.compile(r"(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1 [redacted]"),
    (_NAMED_VALUE, r"\1[redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), "[jwt redacted]"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), "[key redacted]"),
    # Links whose last segment is the secret: the CLI's sign-in links, registration invitations,
    # a person's calendar feed and the unsubscribe links in reminders.
    (re.compile(r"(/admin/sign-in/|/lti/register/|/calendar/|/unsubscribe/[A-Za-z0-9_-]+/)[A-Za-z0-9_~.%-]+"),
     r"\1[redacted]"),
]


def _scoped(pattern: re.Pattern) -> str:
    flags = "i" * bool(pattern.flags & re.IGNORECASE) + "s" * bool(pattern.flags & re.DOTALL)
    return f"(?{flags}:{pattern.pattern})"


# Any of them at all, in one search: most texts (every request's log line) hold none.
_ANY_SECRET = re.compile("|".join(_scoped(pattern) for pattern, _ in REDACTIONS))
_ANY_SECRET_BUT_NAMED = re.compile("|".join(_scoped(pattern) for pattern, _ in REDACTIONS
                                            if pattern is not _NAMED_VALUE))


def redact(text: str) -> str:
    if text.isalnum():  # every pattern needs a space, "=", ":", ".", "-" or "/": a request id, method or message
        return text
    search = _ANY_SECRET.search if "=" in text or ":" in text else _ANY_SECRET_BUT_NAMED.search
    if search(text) is None:
        return text
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(entry, ensure_ascii=False) without its per-call setup
_text = json.encoder.encode_basestring  # a text as _encode writes it
_last_second: tuple[int, str] = (-1, "")  # the lines of one second share their date and time


def _timestamp(created: float, msecs: float) -> str:
    global _last_second
    second, text = _last_second
    if second != int(created):
        second, text = _last_second = int(created), time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(created)))
    return f"{text}.{int(msecs):03d}Z"


# The fields a line carries besides its time, level, logger and message, in this order.
FIELDS = ("request_id", "method", "path", "status", "duration_ms")
# A line with every field (each request's), its keys' JSON written once: what ``_encode`` writes
# for the same entry when the values are texts, a whole status and a finite duration.
_FULL_LINE = "{" + ", ".join(f"{_encode(key)}: %s" for key in ("ts", "level", "logger", "message", *FIELDS)) + "}"


def _line(created: float, msecs: float, levelname: str, name: str, message: str, fields: dict,
          error: str | None = None) -> str:
    if error is None and len(fields) == len(FIELDS):  # every field, in FIELDS' order (both callers' order)
        request_id, method, path, status, duration = fields.values()
        if type(request_id) is str and type(method) is str and type(path) is str and type(status) is int \
                and type(duration) is float and math.isfinite(duration):
            return _FULL_LINE % (_text(_timestamp(created, msecs)), _text(levelname.lower()), _text(name),
                                 _text(redact(message)), _text(redact(request_id)), _text(redact(method)),
                                 _text(redact(path)), int.__repr__(status), float.__repr__(duration))
    entry = {"ts": _timestamp(created, msecs), "level": levelname.lower(), "logger": name,
             "message": redact(message)}
    for field, value in fields.items():
        entry[field] = redact(value) if isinstance(value, str) else value
    if error is not None:
        entry["error"] = redact(error)
    return _encode(entry)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _line(record.created, record.msecs, record.levelname, record.name, record.getMessage(),
                     {field: getattr(record, field) for field in FIELDS if hasattr(record, field)},
                     self.formatException(record.exc_info) if record.exc_info else None)


class LineHandler(logging.StreamHandler):
    """Each record formatted outside the handler's lock, then written and flushed under it.

    The standard handler formats while holding its lock, so under gunicorn's threads a
    request that logs waits for another's JSON encoding and scrubbing as well as its write.
    Every write still takes the lock: a line written without it could land inside a longer
    line that the pipe took in two parts.
    """

    def handle(self, record: logging.LogRecord) -> bool:
        if not self.filter(record):
            return False
        try:
            self.write_line(self.format(record))
        except Exception:  # as logging does: a log line that cannot be written never fails the request
            self.handleError(record)
        return True

    def write_line(self, line: str) -> None:
        line += self.terminator
        with self.lock:
            self.stream.write(line)
            self.stream.flush()


def info_line(logger: logging.Logger, message: str, fields: dict) -> None:
    """``logger.info(message, extra=fields)`` — the same line, scrubbed the same way, at the same
    level, through the same handler and lock — without a ``LogRecord`` when the line's only way
    out is the JSON handler :func:`configure_logging` installs: the record (its ~20 attributes,
    the redacting factory's own scrub, the handler chain) was most of a request line's cost.

    Any other set-up (another handler, a filter, a record factory of someone else's, a handler
    level above INFO) gets the record, as before. ``fields`` are some of :data:`FIELDS`.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _sole_json_handler(logger)
    if handler is None:
        logger.info(message, extra=fields)
        return
    created = time.time()
    try:  # the time and level name as a LogRecord (Python 3.11) takes them; the fields in the formatter's order
        handler.write_line(_line(created, int((created - int(created)) * 1000) + 0.0,
                                 logging.getLevelName(logging.INFO), logger.name, message,
                                 {field: fields[field] for field in FIELDS if field in fields}))
    except Exception:  # as LineHandler.handle: reported as logging does, never failing the request
        handler.handleError(logger.makeRecord(logger.name, logging.INFO, "(unknown file)", 0, message, (), None,
                                              extra=fields))


def _sole_json_handler(logger: logging.Logger) -> LineHandler | None:
    """The handler every INFO record of ``logger`` would reach and the only one, when nothing
    could change the record on its way: no filter on the logger or the handler, the record
    factory the standard one (scrubbing or not), the handler a LineHandler with JsonFormatter."""
    factory = logging.getLogRecordFactory()
    if logger.filters or logging.LogRecord not in (factory, getattr(factory, "redacts", None)):
        return None
    found = None
    current: logging.Logger | None = logger
    while current is not None:  # as Logger.callHandlers walks the hierarchy
        for handler in current.handlers:
            if found is not None or type(handler) is not LineHandler or type(handler.formatter) is not JsonFormatter \
                    or handler.filters or handler.level > logging.INFO:
                return None
            found = handler
        current = current.parent if current.propagate else None
    return found


def configure_logging(level: str = "INFO") -> None:
    handler = LineHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The lines name no source line, so records need not look it up (the logging HOWTO's
    # "Optimization": the caller lookup walks the stack every time). The process id stays:
    # gunicorn's own log lines show it.
    logging._srcfile = None  # type: ignore[attr-defined]


def _redacting(make_record):
    def make(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        message = record.getMessage()
        scrubbed = redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record
    make.redacts = make_record  # type: ignore[attr-defined]  # what it scrubs after
    return make


def redact_every_log() -> None:
    """Scrub secrets from every log record this process makes (once, however often called)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts", False):
        logging.setLogRecordFactory(_redacting(factory))
