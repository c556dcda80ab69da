"""``coachbridge person export|erase`` and ``coachbridge retention``: personal data from the
command line, as on /admin/people and /admin/retention (README "Personal data").

The command line is the tool operator's: it may act on any platform, so ``--platform`` is
always explicit. Every export, erasure and retention run is audited ("via": "command line").
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from adapter.config import Settings
from adapter.services.personal_data import (
    Actor, PersonNotFound, erase_person_by_id, export_person, find_person, plan_erasure,
)

from .common import app_parts, command_group

COMMAND_LINE = "command line"


def _engine(settings: Settings):
    """The database with the event handlers bound (an erasure voids through the xAPI bridge)."""
    return app_parts(settings).engine


def _who(args) -> dict:
    return {"sub": args.user, "email": None if args.user else args.email}


def export(args, settings: Settings) -> int:
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            person_id = find_person(conn, args.platform, **_who(args))
    except LookupError as error:
        print(f"coachbridge person export: {error}", file=sys.stderr)
        return 1
    document = export_person(engine, args.platform, person_id, Actor(None, COMMAND_LINE), time.time())
    if args.html:
        from adapter.web.export_page import export_html  # the page's template lives with the web app's

    text = export_html(document) if args.html else json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


def erase(args, settings: Settings) -> int:
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            person_id = find_person(conn, args.platform, **_who(args))
    except PersonNotFound:
        print("nobody to erase: no such person on this platform (already erased, or never known)")
        return 0
    except LookupError as error:
        print(f"coachbridge person erase: {error}", file=sys.stderr)
        return 1
    if not args.yes:
        print("Erasing this person would remove:")
        print("\n".join(f"  - {line}" for line in plan_erasure(engine, args.platform, person_id).lines()))
        print("Run again with --yes to erase.")
        return 1
    result = erase_person_by_id(engine, args.platform, person_id, Actor(None, COMMAND_LINE), time.time())
    if not result.erased:
        print("nobody to erase: already erased")
        return 0
    print("erased:")
    print("\n".join(f"  - {line}" for line in result.plan.lines()))
    if result.plan.gradebook_entries:
        print("LMS gradebook entries exist for them (the LMS keeps these scores; remove them there if needed):")
        print("\n".join(f"  - {line}" for line in result.plan.gradebook_lines()))
    return 0


def _person_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--platform", type=int, required=True, help="the platform id (`coachbridge platform list`)")
    who = command.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="SUB", help="the person's LMS user id (LTI sub)")
    who.add_argument("--email", help="the person's email")


def add_commands(sub) -> None:
    person = command_group(sub, "person", "a person's data: export or erase (GDPR)")
    exporting = person.add_parser("export", help="everything held about one person, as JSON (or HTML)")
    _person_arguments(exporting)
    exporting.add_argument("--html", action="store_true", help="a readable page instead of JSON")
    exporting.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    exporting.set_defaults(func=export)
    erasing = person.add_parser("erase", help="delete a person's data and void their statements at each LRS")
    _person_arguments(erasing)
    erasing.add_argument("--yes", action="store_true", help="erase (without it: only list what would go)")
    erasing.set_defaults(func=erase)
