"""``coachbridge db``: the database schema."""
from __future__ import annotations

from adapter.config import Settings

from .common import app_parts


def add_commands(sub) -> None:
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=upgrade)


def upgrade(args, settings: Settings) -> int:
    app_parts(settings)
    print("database schema is up to date")
    return 0
