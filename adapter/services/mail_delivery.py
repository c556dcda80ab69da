"""Sending the queued mail over SMTP (standard library ``smtplib``): a delivery job for
the worker (adapter/worker.py), and the connection test behind ``coachbridge mail test``.

Each message is marked delivered right after the server accepted it, in its own
transaction: a worker killed mid-batch leaves the rest to the next worker once its lease
lapses, and at most the one message in flight may go twice, with the same Message-ID
(receiving systems recognise it). A 4xx reply or a connection failure keeps the message
for later (backoff); a 5xx reply dead-letters it with the server's words, shown on the
delivery page. The daily cap holds a person's extra mail until the next day.
"""
from __future__ import annotations

import logging
import random
import smtplib
import ssl
import time
from datetime import datetime, timezone
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from html import escape
from typing import Any, Callable

from sqlalchemy import Engine

from adapter.domain.mail import next_day_start, smtp_reply_is_permanent
from adapter.domain.source_text import Translate, english
from adapter.domain.translatable import N_
from adapter.persistence import mail_store
from adapter.persistence.key_cipher import KeyCipher
from adapter.persistence.outbox_store import CLAIM_LEASE_SECONDS, OutboxMessage, SqlOutbox
from xapi.backoff import RetryPolicy

from .mail_messages import CHANNEL, TARGET

# Headers folded only past RFC 5322's 998 characters: Python folds a long non-ASCII subject
# (French, German, ...) into several encoded words and loses the space at the fold, so one
# encoded word per header it is.
HEADERS = email_policy.SMTP.clone(max_line_length=998)

log = logging.getLogger("coachbridge.mail")
SMTP_TIMEOUT = 30.0


class MailServerUnavailable(Exception):
    """Could not connect, secure the connection or sign in: the mail waits."""


def connect(settings: mail_store.MailSettings, cipher: KeyCipher | None,
            timeout: float = SMTP_TIMEOUT) -> smtplib.SMTP:
    try:
        if settings.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password(cipher))
        return smtp
    except (OSError, smtplib.SMTPException) as error:
        raise MailServerUnavailable(_reply_text(error)) from error


def _reply_text(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {reply}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values())
    return f"{type(error).__name__}: {error}"


def _refusal_code(error: smtplib.SMTPException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return max(code for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def build_message(payload: dict[str, Any], from_address: str, now: float) -> EmailMessage:
    message = EmailMessage(policy=HEADERS)
    message["From"] = formataddr(("coachbridge", from_address))
    message["To"] = formataddr((payload["to_name"], payload["to"]))
    message["Subject"] = payload["subject"]
    message["Date"] = formatdate(now, usegmt=True)
    message["Message-ID"] = payload["message_id"]
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    if payload.get("unsubscribe_url"):  # RFC 8058 one-click unsubscribe
        message["List-Unsubscribe"] = f"<{payload['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    if payload.get("ics"):
        # Inline for calendars that read the alternative, attached for those that want a file.
        message.add_alternative(payload["ics"], subtype="calendar", params={"method": payload["ics_method"]})
        message.add_attachment(payload["ics"].encode(), maintype="application", subtype="ics",
                               filename="invite.ics")
    return message


class MailDelivery:
    """The worker's job for the ``mail`` outbox channel."""

    def __init__(self, engine: Engine, cipher: KeyCipher | None, policy: RetryPolicy | None = None,
                 batch_size: int = 20, lease: float = CLAIM_LEASE_SECONDS, draw: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.time, timeout: float = SMTP_TIMEOUT) -> None:
        self.engine = engine
        self.cipher = cipher
        self.outbox = SqlOutbox(engine, CHANNEL, lease=lease, clock=clock)
        self.policy = policy or RetryPolicy(base=30.0, cap=3600.0)
        self.batch_size = batch_size
        self.draw = draw
        self.clock = clock
        self.timeout = timeout

    def run_once(self) -> int:
        """Send what is due; how many messages were settled (sent or dead-lettered)."""
        with self.engine.connect() as conn:
            settings = mail_store.load_settings(conn)
        if settings is None or not settings.enabled:
            return 0  # not set up: queued mail waits
        now = self.clock()
        rows = self.outbox.claim_due(TARGET, self.batch_size, datetime.fromtimestamp(now, timezone.utc))
        if not rows:
            return 0
        try:
            smtp = connect(settings, self.cipher, self.timeout)
        except MailServerUnavailable as error:
            log.warning("mail server unavailable, %d message(s) wait: %s", len(rows), error)
            self._retry(rows, now, str(error))
            return 0
        try:
            return self._send(smtp, settings, rows, now)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass

    def _send(self, smtp: smtplib.SMTP, settings: mail_store.MailSettings, rows, now: float) -> int:
        settled = 0
        today = datetime.fromtimestamp(now, timezone.utc).date()
        for index, row in enumerate(rows):
            payload = row.payload
            with self.engine.begin() as conn:
                under_cap = mail_store.count_if_under_cap(conn, payload["person_id"], today, settings.daily_cap)
            if not under_cap:
                tomorrow = next_day_start(datetime.fromtimestamp(now, timezone.utc))
                self.outbox.schedule_retry([row.id], tomorrow, row.attempts, "held back: the daily cap is reached")
                continue
            try:
                smtp.send_message(build_message(payload, settings.from_address, now),
                                  from_addr=settings.from_address, to_addrs=[payload["to"]])
            except smtplib.SMTPServerDisconnected as error:
                self._uncount(payload, today)
                self._retry(rows[index:], now, _reply_text(error))
                return settled
            except smtplib.SMTPException as error:
                self._uncount(payload, today)
                code = _refusal_code(error)
                if code is not None and smtp_reply_is_permanent(code):
                    self.outbox.mark_dead(row.id, _reply_text(error))
                    log.warning("mail %s refused: %s", row.statement_id, _reply_text(error))
                    settled += 1
                else:
                    self._retry([row], now, _reply_text(error))
            except OSError as error:  # the connection broke
                self._uncount(payload, today)
                self._retry(rows[index:], now, _reply_text(error))
                return settled
            else:
                self.outbox.mark_delivered([row.id])
                settled += 1
        return settled

    def _uncount(self, payload: dict[str, Any], day) -> None:
        with self.engine.begin() as conn:
            mail_store.uncount(conn, payload["person_id"], day)

    def _retry(self, rows: list[OutboxMessage], now: float, reason: str) -> None:
        attempts = max(row.attempts for row in rows) + 1
        at = now + self.policy.delay(attempts, None, self.draw())
        self.outbox.schedule_retry([row.id for row in rows], datetime.fromtimestamp(at, timezone.utc), attempts,
                                   reason)


def send_test(engine: Engine, cipher: KeyCipher | None, address: str, now: float | None = None,
              translate: Translate = english) -> str:
    """Send one test message now (not through the queue), in ``translate``'s language (the
    admin's who asked); the server's answer, or raises MailServerUnavailable /
    smtplib.SMTPException with it."""
    with engine.connect() as conn:
        settings = mail_store.load_settings(conn)
    if settings is None:
        raise MailServerUnavailable("mail is not set up: give the SMTP settings first")
    now = time.time() if now is None else now
    text = translate(N_("This is a test message from coachbridge: mail is set up."))
    message = build_message({"to": address, "to_name": "", "subject": translate(N_("coachbridge test message")),
                             "message_id": make_msgid(domain="coachbridge.invalid"),
                             "text": text, "html": f"<p>{escape(text)}</p>"},
                            settings.from_address, now)
    smtp = connect(settings, cipher)
    try:
        smtp.send_message(message, from_addr=settings.from_address, to_addrs=[address])
        return f"sent to {address} through {settings.host}:{settings.port}"
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
