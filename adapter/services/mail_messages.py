"""Writing mail into the outbox: one message per event and recipient, composed when
queued (plain text and HTML, an .ics when it is an invitation), on the caller's
connection — in the record's transaction, or the reminder scan's.

Nothing is queued when mail is not set up, when the person has no address, or when
they (or the organisation's default) turned that kind off. Links go to the activity
in the LMS (learned from launches), never to a page that signs anyone in by itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection

from adapter.domain.mail import message_id, wanted
from adapter.persistence import mail_store
from adapter.persistence.outbox_store import enqueue, is_queued

CHANNEL, TARGET = "mail", "smtp"
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "mail_templates"),
                         autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                         keep_trailing_newline=True)


class Mailer:
    """Queues messages; knows the public address unsubscribe links hang off."""

    def __init__(self, public_url: str) -> None:
        self.base_url = public_url.rstrip("/")
        self.domain = (urlsplit(self.base_url).hostname or "coachbridge.invalid")[:60]  # Message-IDs fit the outbox

    def queue(self, conn: Connection, recipient_id: int, kind: str, event: str, subject: str,
              values: Mapping[str, Any], now: float, ics: str | None = None, ics_method: str = "",
              settings: mail_store.MailSettings | None = None) -> bool:
        """Queue ``kind`` for the person about ``event`` (a stable key: the same event
        queued twice is kept once); whether it was newly queued. ``settings``: already
        read by the caller (the reminder scan queues many)."""
        settings = settings or mail_store.load_settings(conn)
        if settings is None or not settings.enabled:
            return False
        identity = message_id(event, recipient_id, self.domain)
        if is_queued(conn, CHANNEL, TARGET, identity):  # a scan repeated: nothing to compose
            return False
        person = mail_store.contact(conn, recipient_id)
        if person is None or not person["email"]:
            return False
        if not wanted(kind, mail_store.preferences(conn, recipient_id), settings.defaults):
            return False
        token = mail_store.unsubscribe_token(conn, recipient_id, now)
        unsubscribe = f"{self.base_url}/mail/unsubscribe/{token}/{kind}" if self.base_url else ""
        context = {**values, "recipient": person["name"], "subject": subject, "unsubscribe_url": unsubscribe}
        payload = {
            "person_id": recipient_id, "kind": kind, "to": person["email"], "to_name": person["name"],
            "message_id": identity, "subject": subject,
            "text": _TEMPLATES.get_template(f"{kind}.txt").render(context),
            "html": _TEMPLATES.get_template(f"{kind}.html").render(context),
            "unsubscribe_url": unsubscribe, "ics": ics, "ics_method": ics_method,
        }
        enqueue(conn, CHANNEL, TARGET, payload["message_id"], payload, now, source=f"{kind} to person {recipient_id}")
        return True
