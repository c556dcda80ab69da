"""What each person receives: their mail preferences, one-click unsubscribe, and their
private calendar feed of upcoming check-ins."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy import Connection, Engine

from adapter.domain.mail import KINDS, wanted
from adapter.persistence import mail_store, plan_store

from .calendar import PlannedCheckIn, feed
from .mail_messages import Mailer


def preferences_page(conn: Connection, person_id: int) -> dict[str, Any]:
    settings = mail_store.load_settings(conn)
    own = mail_store.preferences(conn, person_id)
    defaults = settings.defaults if settings else {}
    person = mail_store.contact(conn, person_id)
    return {
        "mail_set_up": settings is not None and settings.enabled,
        "address": person["email"] if person else "",
        "kinds": [{"key": k.key, "title": k.title, "to": k.to, "wanted": wanted(k.key, own, defaults)}
                  for k in KINDS.values()],
        "has_feed": mail_store.has_feed(conn, person_id),
    }


def save_preferences(engine: Engine, person_id: int, form: Mapping[str, str], now: float) -> None:
    """Every kind is saved as chosen (a ticked box is "1"), so a later change of the
    organisation's default does not override what the person said."""
    with engine.begin() as conn:
        for key in KINDS:
            mail_store.set_preference(conn, person_id, key, form.get(key) == "1", now)


def unsubscribe(engine: Engine, token: str, kind: str, now: float) -> str | None:
    """One-click unsubscribe (RFC 8058): the kind's title, or None for an unknown link."""
    if kind not in KINDS:
        return None
    with engine.begin() as conn:
        person_id = mail_store.person_by_unsubscribe_token(conn, token)
        if person_id is None:
            return None
        mail_store.set_preference(conn, person_id, kind, False, now)
    return KINDS[kind].title


def kind_title(kind: str) -> str | None:
    return KINDS[kind].title if kind in KINDS else None


def new_feed(engine: Engine, person_id: int, now: float) -> str:
    with engine.begin() as conn:
        return mail_store.new_feed_token(conn, person_id, now)


def revoke_feed(engine: Engine, person_id: int) -> None:
    with engine.begin() as conn:
        mail_store.revoke_feed(conn, person_id)


def calendar_feed(engine: Engine, token: str, mailer: Mailer, now: float) -> bytes | None:
    """The feed behind a secret address: the person's upcoming check-ins (None: no such address)."""
    with engine.connect() as conn:
        person_id = mail_store.person_by_feed_token(conn, token)
        if person_id is None:
            return None
        today = datetime.fromtimestamp(now, timezone.utc).date()
        settings = mail_store.load_settings(conn)
        plans = []
        for plan in plan_store.upcoming_for(conn, person_id, today):
            plans.append(PlannedCheckIn(plan["id"], plan["planned_on"], plan["sequence"], False,
                                        mail_store.contact(conn, plan["manager_id"]),
                                        mail_store.contact(conn, plan["learner_id"])))
    organizer = settings.from_address if settings else f"no-reply@{mailer.domain}"
    return feed(plans, mailer.domain, organizer, now)
