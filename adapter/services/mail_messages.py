"""Writing mail into the outbox: one message per event and recipient, composed when
queued (plain text and HTML, an .ics when it is an invitation), on the caller's
connection — in the record's transaction, or the reminder scan's.

Nothing is queued when mail is not set up, when the person has no address, or when
they (or the organisation's default) turned that kind off. Links go to the activity
in the LMS (learned from launches), never to a page that signs anyone in by itself.

Each message is written in its recipient's language (their saved choice, else their
platform's default, else English), whoever or whatever caused it: subjects and values
are ``Text`` (English marked with ``N_``, and its values) until then, dates are dates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple, Sequence
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection

from adapter import translations as catalogs
from adapter.domain.mail import message_id, wanted
from adapter.domain.source_text import Translate
from adapter.domain.translatable import Translatable
from adapter.persistence import mail_store
from adapter.persistence.outbox_store import already_queued, cancelled_among, enqueue_many, message_row

CHANNEL, TARGET = "mail", "smtp"


class Text(NamedTuple):
    """Words of a message, in English marked with ``N_``, written in the recipient's language."""

    msgid: Translatable  # Np_'s pair: the form is picked by the value named num
    values: Mapping[str, Any] = {}


class Language:
    """One locale's words and dates for a message (English when the tool has no catalog for it)."""

    def __init__(self, locale: str | None, pseudo: bool = False) -> None:
        try:
            self.locale = Locale.parse(locale or catalogs.SOURCE_LOCALE)
        except (ValueError, UnknownLocaleError):
            self.locale = Locale.parse(catalogs.SOURCE_LOCALE)
        self.translations = _translations(str(self.locale), pseudo)

    def gettext(self, msgid: Translatable, **values: Any) -> str:
        text = (self.translations.ungettext(*msgid, values["num"]) if isinstance(msgid, tuple)
                else self.translations.ugettext(msgid))
        return text % values if values else text

    def __call__(self, value: Any) -> Any:
        """A draft's value as the recipient reads it: words translated, dates in their style."""
        if isinstance(value, Text):
            return self.gettext(value.msgid, **{k: self(v) for k, v in value.values.items()})
        if isinstance(value, date):
            return format_date(value, "long", locale=self.locale)
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        return _environment(str(self.locale), self.translations).get_template(template).render(context)


@cache
def _translations(locale: str, pseudo: bool) -> Translations:
    return Translations.load(str(catalogs.compiled_directory(pseudo=pseudo)), [locale], catalogs.DOMAIN)


@cache
def _environment(locale: str, translations: Translations) -> Environment:
    """The mail templates for one locale: Jinja's i18n extension with that locale's catalog,
    named placeholders and escaped values, as on the pages."""
    environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "mail_templates"),
                              autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                              keep_trailing_newline=True, extensions=["jinja2.ext.i18n"])
    environment.policies["ext.i18n.trimmed"] = True  # as extraction reads {% trans %} blocks
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return environment


@dataclass(frozen=True)
class Draft:
    """A message to queue: ``event`` is a stable key (the same event queued twice is kept once)."""

    recipient_id: int
    kind: str
    event: str
    subject: Text
    values: Mapping[str, Any] = field(default_factory=dict)  # Text and dates are written in the recipient's
    ics: Callable[[Translate], str] | None = None  # the invitation, written with the recipient's words
    ics_method: str = ""
    about: int | None = None  # the learner it is about: erasing them cancels it (mail_store.mail_of)
    naming: int | None = None  # someone else it names (a learner's manager): erasing them cancels it too


class Mailer:
    """Queues messages; knows the public address unsubscribe links hang off."""

    def __init__(self, public_url: str, pseudo_locales: bool = False) -> None:
        self.pseudo_locales = pseudo_locales  # the test locales' catalogs, as the pages use
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
                            now, source=mail_store.mail_source(d.kind, d.recipient_id, d.about, d.naming))
                for identity, d in sendable]
        enqueue_many(conn, rows)
        return len(rows)

    def cancelled(self, conn: Connection, events: Mapping[int, str]) -> set[int]:
        """The recipients whose message for ``events[recipient]`` was queued, then cancelled."""
        identities = {message_id(event, recipient, self.domain): recipient for recipient, event in events.items()}
        return {identities[found] for found in cancelled_among(conn, CHANNEL, TARGET, list(identities))}

    def _payload(self, draft: Draft, identity: str, person: dict[str, Any], token: str) -> dict[str, Any]:
        unsubscribe = f"{self.base_url}/mail/unsubscribe/{draft.kind}/{token}" if self.base_url else ""
        language = Language(person.get("locale"), self.pseudo_locales)
        subject = language(draft.subject)
        context = {**{key: language(value) for key, value in draft.values.items()}, "recipient": person["name"],
                   "subject": subject, "unsubscribe_url": unsubscribe, "lang": language.locale.language}
        return {
            "person_id": draft.recipient_id, "kind": draft.kind, "to": person["email"], "to_name": person["name"],
            "message_id": identity, "subject": subject,
            "text": language.render(f"{draft.kind}.txt", context),
            "html": language.render(f"{draft.kind}.html", context),
            "unsubscribe_url": unsubscribe, "ics": draft.ics(language.gettext) if draft.ics else None,
            "ics_method": draft.ics_method,
        }
