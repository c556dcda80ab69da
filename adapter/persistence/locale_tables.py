"""Languages (issue 21): the language each person chose in the tool, and each platform's default.

Its own module and migration branch (0021a), like the retention tables; schema.py imports it
so Alembic sees one metadata.
"""
from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table

from .tables import metadata

# A locale is stored as Babel spells it ("fr", "de_CH"): at most language_Script_TERRITORY.
LOCALE_LENGTH = 35

# The language a person picked with the switcher. chosen_over: the locale the LMS's launch
# asked for when they picked it ("" when it asked for none), so the choice sticks for launches
# that ask for the same one and gives way when the LMS asks for a different one.
locale_choices = Table(
    "locale_choices", metadata,
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("locale", String(LOCALE_LENGTH), nullable=False),
    Column("chosen_over", String(LOCALE_LENGTH), nullable=False, server_default=""),
    Column("chosen_at", Float, nullable=False),
)

# The language an admin set for their platform's people, when neither the launch, their own
# choice nor their browser names one the tool speaks.
platform_locales = Table(
    "platform_locales", metadata,
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True),
    Column("default_locale", String(LOCALE_LENGTH), nullable=False),
    Column("updated_at", Float, nullable=False),
)
