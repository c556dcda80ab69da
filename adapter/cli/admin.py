"""``coachbridge admin``: the tool operator's way into the admin pages."""
from __future__ import annotations

import sys
import time

from adapter.config import Settings
from adapter.services.admin_access import issue_admin_link

from .common import add_base_url_option, app_parts, base_url, command_group


def add_commands(sub) -> None:
    admin = command_group(sub, "admin", "tool administration")
    link = admin.add_parser("link", help="print a one-time sign-in link to the admin pages")
    add_base_url_option(link)
    link.add_argument("--minutes", type=int, default=15)
    link.set_defaults(func=sign_in_link)


def sign_in_link(args, settings: Settings) -> int:
    token = issue_admin_link(app_parts(settings).engine, time.time(), lifetime=args.minutes * 60)
    print(f"{base_url(args, settings)}/admin/sign-in/{token}")
    print(f"(works once, for {args.minutes} minutes)", file=sys.stderr)
    return 0
