"""Mail settings, people's preferences and personal links, the daily counts, and where
activities live in the LMS."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Iterator

from sqlalchemy import Connection, func, insert, or_, select, update

from adapter.domain.people import shown_name
from adapter.domain.source_text import Translate, english

from . import driver_sql
from .key_cipher import KeyCipher
from .locale_tables import locale_choices, platform_locales
from .lrs_store import seal, unseal
from .database import conflict_insert
from .reminder_tables import activity_urls, mail_daily_counts, mail_preferences, mail_settings, personal_links
from .tables import outbox, people
from .upsert import READ

SETTINGS_ROW = 1


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str
    username: str
    password_sealed: str  # never shown; opened only to sign in to the server
    from_address: str
    daily_cap: int
    defaults: dict[str, bool]
    enabled: bool

    @property
    def has_password(self) -> bool:
        return bool(self.password_sealed)

    def password(self, cipher: KeyCipher | None) -> str:
        return unseal(self.password_sealed, cipher)


def load_settings(conn: Connection) -> MailSettings | None:
    row = conn.execute(select(mail_settings).where(mail_settings.c.id == SETTINGS_ROW)).mappings().first()
    if row is None:
        return None
    return MailSettings(**{name: row[name] for name in MailSettings.__dataclass_fields__})


def save_settings(conn: Connection, values: dict[str, Any], password: str | None, cipher: KeyCipher | None,
                  now: float) -> None:
    """``password`` None keeps the stored one; "" removes it."""
    row = {**values, "updated_at": now}
    if password is not None:
        row["password_sealed"] = seal(password, cipher)
    if conn.execute(update(mail_settings).where(mail_settings.c.id == SETTINGS_ROW).values(**row)).rowcount == 0:
        conn.execute(insert(mail_settings).values(
            **{"id": SETTINGS_ROW, "defaults": {}, "enabled": True, "password_sealed": "", **row}))


def save_defaults(conn: Connection, defaults: dict[str, bool], now: float) -> bool:
    """The organisation's defaults per kind; False when mail is not set up yet."""
    return conn.execute(update(mail_settings).where(mail_settings.c.id == SETTINGS_ROW)
                        .values(defaults=defaults, updated_at=now)).rowcount == 1


def preferences(conn: Connection, person_id: int) -> dict[str, bool]:
    return preferences_of(conn, [person_id]).get(person_id, {})


def set_preference(conn: Connection, person_id: int, kind: str, wanted: bool, now: float) -> None:
    t = mail_preferences
    if conn.execute(update(t).where(t.c.person_id == person_id, t.c.kind == kind)
                    .values(wanted=wanted, updated_at=now)).rowcount == 0:
        conn.execute(insert(t).values(person_id=person_id, kind=kind, wanted=wanted, updated_at=now))


def contact(conn: Connection, person_id: int, translate: Translate = english) -> dict[str, Any] | None:
    return contacts(conn, [person_id], translate).get(person_id)


def contacts(conn: Connection, person_ids: Iterable[int], translate: Translate = english) -> dict[int, dict[str, Any]]:
    """Name (people.shown_name: an erased person's words as ``translate`` writes them), email and
    language (their own choice, else their platform's default, else None) of each person, read in chunks."""
    found: dict[int, dict[str, Any]] = {}
    language = func.coalesce(locale_choices.c.locale, platform_locales.c.default_locale)
    joined = people.outerjoin(locale_choices, locale_choices.c.person_id == people.c.id) \
        .outerjoin(platform_locales, platform_locales.c.platform_id == people.c.platform_id)
    for chunk in _chunks(person_ids):
        for row in conn.execute(select(people.c.id, people.c.name, people.c.email, people.c.sub,
                                       language.label("locale"))
                                .select_from(joined).where(people.c.id.in_(chunk))).mappings():
            found[row["id"]] = {"id": row["id"], "name": shown_name(row["name"], row["email"], row["sub"], translate),
                                "email": row["email"], "locale": row["locale"]}
    return found


def preferences_of(conn: Connection, person_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    found: dict[int, dict[str, bool]] = {}
    for chunk in _chunks(person_ids):
        for person_id, kind, chosen in conn.execute(
                select(mail_preferences.c.person_id, mail_preferences.c.kind, mail_preferences.c.wanted)
                .where(mail_preferences.c.person_id.in_(chunk))):
            found.setdefault(person_id, {})[kind] = chosen
    return found


def _chunks(ids: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


# --- personal links: secrets that act without a session -----------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unsubscribe_token(conn: Connection, person_id: int, now: float) -> str:
    """The person's unsubscribe token, made on first use."""
    return unsubscribe_tokens(conn, [person_id], now)[person_id]


def unsubscribe_tokens(conn: Connection, person_ids: Iterable[int], now: float) -> dict[int, str]:
    """Each person's unsubscribe token; the missing ones are made (one insert for all)."""
    found: dict[int, str] = {}
    for chunk in _chunks(person_ids):
        found.update(conn.execute(select(personal_links.c.person_id, personal_links.c.unsubscribe_token)
                                  .where(personal_links.c.person_id.in_(chunk))).all())
    missing = [{"person_id": person_id, "unsubscribe_token": secrets.token_urlsafe(24), "created_at": now}
               for person_id in sorted(set(person_ids) - found.keys())]
    if missing:
        conn.execute(insert(personal_links), missing)
        found.update((row["person_id"], row["unsubscribe_token"]) for row in missing)
    return found


def person_by_unsubscribe_token(conn: Connection, token: str) -> int | None:
    return conn.execute(select(personal_links.c.person_id)
                        .where(personal_links.c.unsubscribe_token == token)).scalar()


def new_feed_token(conn: Connection, person_id: int, now: float) -> str:
    """A fresh calendar feed secret (the previous address stops working); only its hash is kept."""
    unsubscribe_token(conn, person_id, now)
    token = secrets.token_urlsafe(32)
    conn.execute(update(personal_links).where(personal_links.c.person_id == person_id)
                 .values(feed_token_hash=_hash(token)))
    return token


def revoke_feed(conn: Connection, person_id: int) -> None:
    conn.execute(update(personal_links).where(personal_links.c.person_id == person_id).values(feed_token_hash=None))


def has_feed(conn: Connection, person_id: int) -> bool:
    return conn.execute(select(personal_links.c.feed_token_hash)
                        .where(personal_links.c.person_id == person_id)).scalar() is not None


def person_by_feed_token(conn: Connection, token: str) -> int | None:
    return conn.execute(select(personal_links.c.person_id)
                        .where(personal_links.c.feed_token_hash == _hash(token))).scalar()


# --- the daily cap ------------------------------------------------------------------------
def count_if_under_cap(conn: Connection, person_id: int, day: date, cap: int) -> bool:
    """Count one more mail for the person today, unless the cap is reached (then False).
    Safe with several workers: the day's row is created once, the count is one UPDATE."""
    t = mail_daily_counts
    conn.execute(conflict_insert(conn, t).values(person_id=person_id, day=day, sent=0).on_conflict_do_nothing())
    return bool(conn.execute(update(t).where(t.c.person_id == person_id, t.c.day == day, t.c.sent < cap)
                             .values(sent=t.c.sent + 1)).rowcount)


def uncount(conn: Connection, person_id: int, day: date) -> None:
    """A counted mail was not sent after all."""
    t = mail_daily_counts
    conn.execute(update(t).where(t.c.person_id == person_id, t.c.day == day, t.c.sent > 0).values(sent=t.c.sent - 1))


# --- where activities live in the LMS ------------------------------------------------------
# Every launch from a link saves where it lives (driver_sql.py: why as SQL text); mostly unchanged, so read first.
_ACTIVITY_URL = driver_sql.both("SELECT url FROM activity_urls WHERE resource_link_pk = :link")
_SAVE_ACTIVITY_URL = driver_sql.both(
    "INSERT INTO activity_urls (resource_link_pk, url, updated_at) VALUES (:link, :url, :now)"
    " ON CONFLICT (resource_link_pk) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at")


def save_activity_url(conn: Connection, resource_link_pk: int, url: str, now: float, stored: Any = READ) -> None:
    """``stored``: the link's address as the caller read it (None: none yet), else read here."""
    if stored is READ:
        rows = driver_sql.run(conn, _ACTIVITY_URL, {"link": resource_link_pk})
        stored = rows[0][0] if rows else None
    if stored != url:
        driver_sql.run(conn, _SAVE_ACTIVITY_URL, {"link": resource_link_pk, "url": url, "now": now})


def activity_url(conn: Connection, resource_link_pk: int | None) -> str:
    if resource_link_pk is None:
        return ""
    return conn.execute(select(activity_urls.c.url).where(activity_urls.c.resource_link_pk == resource_link_pk)
                        ).scalar() or ""


# --- the outbox's mail, by person (an erasure cancels what waits and forgets every copy) ---
def mail_source(kind: str, recipient_id: int, about: int | None, naming: int | None = None) -> str:
    """How a mail names its people in the outbox's ``source``: its recipient, the learner it
    is about, and someone else it names (a learner's mail naming their manager)."""
    source = f"{kind} to person {recipient_id}" + (f" about person {about}" if about is not None else "")
    return source + (f" naming person {naming}" if naming not in (None, recipient_id, about) else "")


def mail_to(conn: Connection, kind: str, person_ids: Iterable[int]) -> list[int]:
    """The outbox rows of ``kind`` to these people, sent or not."""
    sources = [mail_source(kind, person_id, None) for person_id in person_ids]
    return list(conn.execute(select(outbox.c.id).where(
        outbox.c.channel == "mail", outbox.c.source.in_(sources))).scalars())


def mail_of(conn: Connection, person_id: int) -> list[int]:
    """The outbox rows of mail to the person, about them, or naming them: every person in a
    mail's source (:func:`mail_source`, its only writer) is ``person N``, last or followed by
    a space (the kinds have none), so two patterns find them wherever they are named."""
    source = outbox.c.source
    return list(conn.execute(select(outbox.c.id).where(outbox.c.channel == "mail", or_(
        source.like(f"% person {person_id}"), source.like(f"% person {person_id} %")))).scalars())
