"""``coachbridge roster``: course rosters read from the LMS (NRPS)."""
from __future__ import annotations

import sys
import time

from adapter.config import Settings
from adapter.persistence.key_store import ToolKeyStore
from adapter.services.lms_services import LmsAccess, NoServiceAccess, contexts_with_roster, sync_roster
from lti.service_token import PlatformServiceError

from .common import app_parts, command_group


def add_commands(sub) -> None:
    roster = command_group(sub, "roster", "course rosters from the LMS")
    sync = roster.add_parser("sync", help="read rosters (NRPS) of courses the tool was launched from")
    sync.add_argument("--context", type=int, action="append", help="a course id (default: every course)")
    sync.set_defaults(func=sync_rosters)


def sync_rosters(args, settings: Settings) -> int:
    """Read course rosters from the LMS (NRPS): every course whose launches offered it."""
    parts = app_parts(settings)
    access = LmsAccess(parts.engine, ToolKeyStore(parts.engine, parts.cipher), parts.cipher,
                       parts.settings.allow_private_addresses)
    failures = 0
    for context_pk in args.context or contexts_with_roster(parts.engine):
        try:
            result = sync_roster(access, parts.role_map, context_pk, time.time())
        except (NoServiceAccess, PlatformServiceError) as error:
            failures += 1
            print(f"course {context_pk}: not synced: {error}", file=sys.stderr)
            continue
        how = "changes since last sync" if result.used_differences else "full roster"
        print(f"course {context_pk}: {result.active} active, {result.departed} left ({how})")
    return 1 if failures else 0
