"""The saved languages: a person's own choice and their platform's default."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from .database import conflict_insert
from .locale_tables import locale_choices, platform_locales


@dataclass(frozen=True)
class LocaleChoice:
    locale: str
    chosen_over: str  # the launch's locale when they chose ("" if the launch named none)


def choice_of(conn: Connection, person_id: int) -> LocaleChoice | None:
    row = conn.execute(select(locale_choices.c.locale, locale_choices.c.chosen_over)
                       .where(locale_choices.c.person_id == person_id)).first()
    return LocaleChoice(row.locale, row.chosen_over) if row else None


def save_choice(conn: Connection, person_id: int, locale: str, chosen_over: str, now: float) -> None:
    values = {"locale": locale, "chosen_over": chosen_over, "chosen_at": now}
    conn.execute(conflict_insert(conn, locale_choices).values(person_id=person_id, **values)
                 .on_conflict_do_update(index_elements=["person_id"], set_=values))


def platform_default(conn: Connection, platform_id: int) -> str | None:
    return conn.execute(select(platform_locales.c.default_locale)
                        .where(platform_locales.c.platform_id == platform_id)).scalar()


def save_platform_default(conn: Connection, platform_id: int, locale: str | None, now: float) -> None:
    """``None``: no default of its own (English, after the launch, choice and browser)."""
    if locale is None:
        conn.execute(delete(platform_locales).where(platform_locales.c.platform_id == platform_id))
        return
    values = {"default_locale": locale, "updated_at": now}
    conn.execute(conflict_insert(conn, platform_locales).values(platform_id=platform_id, **values)
                 .on_conflict_do_update(index_elements=["platform_id"], set_=values))
