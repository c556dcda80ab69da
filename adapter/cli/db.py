"""``coachbridge db``: the database schema."""
from __future__ import annotations

from adapter.config import Settings

from .common import app_parts, command_group


def add_commands(sub) -> None:
    db = command_group(sub, "db", "database schema")
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=upgrade)


def upgrade(args, settings: Settings) -> int:
    app_parts(settings)
    print("database schema is up to date")
    return 0
