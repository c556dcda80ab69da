"""The saved languages: what a person chose with the switcher, and their platform's default.

Which locales exist and how a tag is spelled is the web layer's business (Babel); here a
locale is an opaque identifier the caller has already checked.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from adapter.persistence import locale_store
from adapter.persistence.coaching_store import audit
from adapter.persistence.locale_store import LocaleChoice


@dataclass(frozen=True)
class SavedLanguages:
    choice: LocaleChoice | None  # the person's own, with the launch locale it overrode
    platform_default: str | None


def saved_languages(conn: Connection, person_id: int | None, platform_id: int | None) -> SavedLanguages:
    choice, platform_default = locale_store.saved(conn, person_id, platform_id)
    return SavedLanguages(choice=choice, platform_default=platform_default)


def choose_language(engine: Engine, person_id: int, locale: str, launch_locale: str | None, now: float) -> None:
    """Save the person's choice; it holds over ``launch_locale`` (what the LMS asked for in
    this session) until a launch asks for another locale."""
    with engine.begin() as conn:
        locale_store.save_choice(conn, person_id, locale, launch_locale or "", now)


def set_platform_language(engine: Engine, platform_id: int, locale: str | None, actor_id: int | None,
                          now: float) -> None:
    with engine.begin() as conn:
        locale_store.save_platform_default(conn, platform_id, locale, now)
        audit(conn, at=now, actor_id=actor_id, platform_id=platform_id, action="platform.language_changed",
              record_type="platform", record_id=platform_id, detail={"default_locale": locale or ""})
