"""The saved languages: a person's own choice and their platform's default."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete

from . import driver_sql
from .database import conflict_insert
from .locale_tables import locale_choices, platform_locales


@dataclass(frozen=True)
class LocaleChoice:
    locale: str
    chosen_over: str  # the launch's locale when they chose ("" if the launch named none)


# Every page asks both (driver_sql.py: why as SQL text), in one statement.
_SAVED = driver_sql.both(
    "SELECT choice.locale, choice.chosen_over, (SELECT default_locale FROM platform_locales"
    " WHERE platform_id = :platform_id) FROM (SELECT 1 AS one) AS page"
    " LEFT JOIN locale_choices AS choice ON choice.person_id = :person_id")


def saved(conn: Connection, person_id: int | None, platform_id: int | None) -> tuple[LocaleChoice | None, str | None]:
    """The person's choice and their platform's default (None for either not saved)."""
    locale, chosen_over, default = driver_sql.run(conn, _SAVED, {"person_id": person_id,
                                                                 "platform_id": platform_id})[0]
    return (LocaleChoice(locale, chosen_over) if locale is not None else None), default


def save_choice(conn: Connection, person_id: int, locale: str, chosen_over: str, now: float) -> None:
    values = {"locale": locale, "chosen_over": chosen_over, "chosen_at": now}
    conn.execute(conflict_insert(conn, locale_choices).values(person_id=person_id, **values)
                 .on_conflict_do_update(index_elements=["person_id"], set_=values))


def save_platform_default(conn: Connection, platform_id: int, locale: str | None, now: float) -> None:
    """``None``: no default of its own (English, after the launch, choice and browser)."""
    if locale is None:
        conn.execute(delete(platform_locales).where(platform_locales.c.platform_id == platform_id))
        return
    values = {"default_locale": locale, "updated_at": now}
    conn.execute(conflict_insert(conn, platform_locales).values(platform_id=platform_id, **values)
                 .on_conflict_do_update(index_elements=["platform_id"], set_=values))
