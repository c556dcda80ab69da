"""``coachbridge retention``: apply each platform's retention limits now, or list what that
would remove (``--dry-run``); ``retention set`` changes a platform's limits (README
"Personal data"). The worker applies them once a day by itself."""
from __future__ import annotations

import sys
import time

from adapter.config import Settings
from adapter.domain.admin_scope import AdminScope
from adapter.persistence.platform_store import platform_choices
from adapter.services import retention

from .common import app_parts


def add_commands(sub) -> None:
    command = sub.add_parser("retention", help="delete personal data past each platform's retention limits")
    command.add_argument("--dry-run", action="store_true", help="list what a run would remove; change nothing")
    command.add_argument("--platform", type=int, help="only this platform (default: every platform with limits)")
    command.set_defaults(func=apply)
    actions = command.add_subparsers(dest="retention_command")
    limits = actions.add_parser("set", help="a platform's limits (an empty value keeps that data)")
    limits.add_argument("--platform", type=int, required=True, dest="platform_to_set")
    limits.add_argument("--private-notes-days", default="", help="blank private notes this many days after "
                        "the conversation")
    limits.add_argument("--withdrawn-days", default="", help="delete withdrawn records this many days after "
                        "their withdrawal")
    limits.add_argument("--inactive-months", default="", help="delete a person's records after this many "
                        "months without a launch or a change")
    limits.set_defaults(func=set_limits)


def describe(expired) -> str:
    action = "blank private notes of" if expired.what == "private notes" else "delete"
    return (f"platform {expired.platform_id}: {action} {expired.record_type} {expired.record_id} "
            f"(person {expired.learner_id}; {expired.rule.replace('_', ' ')})")


def apply(args, settings: Settings) -> int:
    engine = app_parts(settings).engine
    now = time.time()
    if args.dry_run:
        found = retention.dry_run(engine, now, args.platform)
        print("\n".join(describe(e) for e in found) or "nothing is past its retention limit")
        print(f"{len(found)} item(s) would be removed; nothing was changed", file=sys.stderr)
        return 0
    removed = retention.run(engine, now, args.platform)
    print("\n".join(describe(e) for e in removed) or "nothing was past its retention limit")
    return 0


def set_limits(args, settings: Settings) -> int:
    try:
        limits = retention.parse_limits({"private_notes_days": args.private_notes_days,
                                         "withdrawn_days": args.withdrawn_days,
                                         "inactive_months": args.inactive_months})
    except retention.RetentionSettingsError as error:
        print(f"coachbridge retention set: {error}", file=sys.stderr)
        return 2
    engine = app_parts(settings).engine
    with engine.connect() as conn:
        if not platform_choices(conn, AdminScope.of_platform(args.platform_to_set)):
            print(f"coachbridge retention set: no platform {args.platform_to_set}", file=sys.stderr)
            return 1
    retention.save_limits(engine, args.platform_to_set, limits, None, time.time())
    print(f"platform {args.platform_to_set}: " + ", ".join(f"{k.replace('_', ' ')} {v or 'keep'}"
                                                            for k, v in limits.items()))
    return 0
