"""Writing mail into the outbox: one message per event and recipient, composed when
queued (plain text and HTML, an .ics when it is an invitation), on the caller's
connection — in the record's transaction, or the reminder scan's.

Nothing is queued when mail is not set up, when the person has no address, or when
they (or the organisation's default) turned that kind off. Links go to the activity
in the LMS (learned from launches), never to a page that signs anyone in by itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection

from adapter.domain.mail import message_id, wanted
from adapter.persistence import mail_store
from adapter.persistence.outbox_store import already_queued, enqueue_many, message_row

CHANNEL, TARGET = "mail", "smtp"
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "mail_templates"),
                         autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                         keep_trailing_newline=True)


@dataclass(frozen=True)
class Draft:
    """A message to queue: ``event`` is a stable key (the same event queued twice is kept once)."""

    recipient_id: int
    kind: str
    event: str
    subject: str
    values: Mapping[str, Any] = field(default_factory=dict)
    ics: str | None = None
    ics_method: str = ""
    about: int | None = None  # the learner it is about: erasing them cancels it (mail_store.mail_of)


class Mailer:
    """Queues messages; knows the public address unsubscribe links hang off."""

    def __init__(self, public_url: str) -> None:
        self.base_url = public_url.rstrip("/")
        self.domain = (urlsplit(self.base_url).hostname or "coachbridge.invalid")[:60]  # Message-IDs fit the outbox

    def queue(self, conn: Connection, draft: Draft, now: float) -> int:
        return self.queue_many(conn, [draft], now)

    def queue_many(self, conn: Connection, drafts: Sequence[Draft], now: float,
                   settings: mail_store.MailSettings | None = None) -> int:
        """Queue the drafts that are new, wanted and addressable; how many were queued.
        Reads what it needs for all of them at once (the reminder scan queues thousands)."""
        settings = settings or mail_store.load_settings(conn)
        if settings is None or not settings.enabled or not drafts:
            return 0
        identified = [(message_id(d.event, d.recipient_id, self.domain), d) for d in drafts]
        queued = already_queued(conn, CHANNEL, TARGET, [identity for identity, _ in identified])
        fresh = [(identity, d) for identity, d in identified if identity not in queued]
        recipients = {d.recipient_id for _, d in fresh}
        people = mail_store.contacts(conn, recipients)
        choices = mail_store.preferences_of(conn, recipients)
        sendable = [(identity, d) for identity, d in fresh if people.get(d.recipient_id, {}).get("email")
                    and wanted(d.kind, choices.get(d.recipient_id, {}), settings.defaults)]
        tokens = mail_store.unsubscribe_tokens(conn, {d.recipient_id for _, d in sendable}, now)
        rows = [message_row(CHANNEL, TARGET, identity,
                            self._payload(d, identity, people[d.recipient_id], tokens[d.recipient_id]),
                            now, source=mail_store.mail_source(d.kind, d.recipient_id, d.about))
                for identity, d in sendable]
        enqueue_many(conn, rows)
        return len(rows)

    def _payload(self, draft: Draft, identity: str, person: dict[str, Any], token: str) -> dict[str, Any]:
        unsubscribe = f"{self.base_url}/mail/unsubscribe/{draft.kind}/{token}" if self.base_url else ""
        context = {**draft.values, "recipient": person["name"], "subject": draft.subject,
                   "unsubscribe_url": unsubscribe}
        return {
            "person_id": draft.recipient_id, "kind": draft.kind, "to": person["email"], "to_name": person["name"],
            "message_id": identity, "subject": draft.subject,
            "text": _TEMPLATES.get_template(f"{draft.kind}.txt").render(context),
            "html": _TEMPLATES.get_template(f"{draft.kind}.html").render(context),
            "unsubscribe_url": unsubscribe, "ics": draft.ics, "ics_method": draft.ics_method,
        }
