"""Structured logs: one JSON object per line, with the request id, and never a secret.

Tokens, assertions, passwords and keys must not reach a log line even by accident (an
exception message that quotes a request body, say). :func:`redact_every_log` scrubs every
record as it is made, whichever logger and handler it goes to — werkzeug's request log
under ``coachbridge demo`` included — and the JSON formatter scrubs again last.
"""
from __future__ import annotations

import json
import logging
import re
import time

REDACTIONS = [
    (re.compile(r"(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1 [redacted]"),
    (re.compile(r"((?:id_token|client_assertion|access_token|registration_token|password|client_secret|"
                r"state|nonce|cb_s|lti_storage_value)[\"']?\s*[=:]\s*[\"']?)[^\s&\"',}]+", re.IGNORECASE), r"\1[redacted]"),
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
_ANY_SECRET = re.compile("|".join(map(_scoped, (pattern for pattern, _ in REDACTIONS))))


def redact(text: str) -> str:
    if _ANY_SECRET.search(text) is None:
        return text
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(entry, ensure_ascii=False) without its per-call setup
_last_second: tuple[int, str] = (-1, "")  # the lines of one second share their date and time


def _timestamp(created: float, msecs: float) -> str:
    global _last_second
    second, text = _last_second
    if second != int(created):
        second, text = _last_second = int(created), time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(created)))
    return f"{text}.{int(msecs):03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": _timestamp(record.created, record.msecs),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for field in ("request_id", "method", "path", "status", "duration_ms"):
            if hasattr(record, field):
                value = getattr(record, field)
                entry[field] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return _encode(entry)


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
            line = self.format(record) + self.terminator
            with self.lock:
                self.stream.write(line)
                self.stream.flush()
        except Exception:  # as logging does: a log line that cannot be written never fails the request
            self.handleError(record)
        return True


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
    make.redacts = True  # type: ignore[attr-defined]
    return make


def redact_every_log() -> None:
    """Scrub secrets from every log record this process makes (once, however often called)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts", False):
        logging.setLogRecordFactory(_redacting(factory))
