"""``coachbridge platform`` (LMS registrations) and ``coachbridge tool-config`` (what an
LMS admin pastes to register the tool)."""
from __future__ import annotations

import json
import sys
import time

from adapter.config import Settings
from adapter.domain.admin_scope import AdminScope
from adapter.services.invitations import INVITATION_LIFETIME, invite
from adapter.services.platforms import (
    PlatformExists, PlatformSpec, find_platform, list_platforms, register_platform, set_platform_active,
)
from adapter.services.tool_configuration import ToolUrls, canvas_json

from .common import add_base_url_option, app_parts, base_url, command_group

SHOWN_FIELDS = ("id", "name", "issuer", "client_id", "auth_login_url", "key_set_url", "auth_token_url",
                "token_audience", "product_family_code", "registered_by", "deployment_ids", "active", "pending")


def add_commands(sub) -> None:
    platform = command_group(sub, "platform", "LMS registrations")
    add = platform.add_parser("add", help="register an LMS by hand")
    add.add_argument("--issuer", required=True)
    add.add_argument("--client-id", required=True)
    add.add_argument("--auth-login-url", required=True, help="the LMS's OIDC authorization endpoint")
    add.add_argument("--jwks-url", required=True, help="the LMS's public key set URL")
    add.add_argument("--token-url", help="the LMS's OAuth2 token endpoint (for grades and rosters)")
    add.add_argument("--deployment-id", action="append", help="repeat for several deployments")
    add.add_argument("--name")
    add.set_defaults(func=add_platform)
    platform.add_parser("list", help="registered LMSs").set_defaults(func=list_all)
    invitation = platform.add_parser("invite", help="print a one-time link an LMS registers itself with "
                                                    "(Dynamic Registration)")
    add_base_url_option(invitation)
    invitation.add_argument("--days", type=int, default=INVITATION_LIFETIME // 86400,
                            help="how long the link works (default %(default)s days)")
    invitation.add_argument("--note", default="", help="who it is for (shown on the admin page)")
    invitation.set_defaults(func=invite_lms)
    for name, func, text in (("show", show, "one registration in full"),
                             ("disable", lambda a, s: set_active(a, s, False), "refuse its launches"),
                             ("enable", lambda a, s: set_active(a, s, True),
                              "accept its launches again, or approve one registered openly")):
        command = platform.add_parser(name, help=text)
        command.add_argument("id", type=int)
        command.set_defaults(func=func)

    config = sub.add_parser("tool-config", help="what an LMS admin pastes to register the tool")
    add_base_url_option(config)
    config.add_argument("--canvas-json", action="store_true", help="a Canvas developer key JSON configuration")
    config.set_defaults(func=tool_config)


def add_platform(args, settings: Settings) -> int:
    try:
        platform_id = register_platform(app_parts(settings).engine, PlatformSpec(
            issuer=args.issuer, client_id=args.client_id, auth_login_url=args.auth_login_url,
            key_set_url=args.jwks_url, auth_token_url=args.token_url or "", name=args.name or "",
            deployment_ids=tuple(args.deployment_id or ())))
    except PlatformExists as taken:
        known = f" (platform {taken.platform_id})" if taken.platform_id else ""
        print(f"refused: an LMS with this issuer and client id is already registered{known}; "
              "nothing was changed", file=sys.stderr)
        return 1
    print(f"platform {platform_id} registered")
    return 0


def invite_lms(args, settings: Settings) -> int:
    """The link alone on the last line, for scripts; only its hash is stored."""
    if args.days < 1:
        print("coachbridge: --days must be 1 or more", file=sys.stderr)
        return 2
    invitation = invite(app_parts(settings).engine, base_url(args, settings), time.time(), args.note,
                        lifetime=args.days * 86400)
    print(f"Give this link to the LMS's administrator: they paste it where their LMS adds an LTI tool by URL "
          f"(Dynamic Registration). It works once, for {args.days} days, and is not shown again.")
    print(invitation.link)
    return 0


def list_all(args, settings: Settings) -> int:
    for p in list_platforms(app_parts(settings).engine, AdminScope.operator()):
        state = "pending approval" if p["pending"] else "active" if p["active"] else "disabled"
        print(json.dumps({"id": p["id"], "name": p["name"], "issuer": p["issuer"], "client_id": p["client_id"],
                          "deployments": p["deployment_ids"], "status": state}))
    return 0


def show(args, settings: Settings) -> int:
    platform = find_platform(app_parts(settings).engine, args.id, AdminScope.operator())
    if platform is None:
        print(f"no platform {args.id}", file=sys.stderr)
        return 1
    for field in SHOWN_FIELDS:
        print(f"{field}: {platform[field]}")
    return 0


def set_active(args, settings: Settings, active: bool) -> int:
    if not set_platform_active(app_parts(settings).engine, args.id, active):
        print(f"no platform {args.id}", file=sys.stderr)
        return 1
    print(f"platform {args.id} {'enabled' if active else 'disabled'} (running servers follow within seconds)")
    return 0


def tool_config(args, settings: Settings) -> int:
    urls = ToolUrls.for_base(base_url(args, settings))
    if args.canvas_json:
        print(json.dumps(canvas_json(urls), indent=2))
        # The developer key form asks for these apart from the JSON (stderr: stdout stays JSON).
        print(f"Redirect URIs (the developer key's own field): {' '.join(urls.redirect_uris)}", file=sys.stderr)
        return 0
    for label, value in urls.rows():
        print(f"{label}: {value}")
    return 0
