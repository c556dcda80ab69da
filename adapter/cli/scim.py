"""``coachbridge scim token create|revoke|list``: the bearer tokens identity providers use
to provision a platform's users (SCIM 2.0, ``/scim/v2``).

``create`` prints the token once, alone on its last line, so a script can take it with
``tail -n 1``; only its hash is stored.
"""
from __future__ import annotations

import json
import sys
import time

from adapter.config import Settings
from adapter.services.scim_tokens import UnknownPlatform, create_token, list_tokens, revoke_token

from .common import app_parts, command_group


def add_commands(sub) -> None:
    token = command_group(command_group(sub, "scim", "SCIM provisioning from an identity provider"), "token",
                          "bearer tokens per platform")
    create = token.add_parser("create", help="a new token for a platform, printed once on the last line")
    create.add_argument("--platform", type=int, required=True, help="the platform id (`coachbridge platform list`)")
    create.set_defaults(func=create_scim_token)
    revoke = token.add_parser("revoke", help="stop a token working")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(func=revoke_scim_token)
    listing = token.add_parser("list", help="tokens, one JSON object per line (ids and dates; never the tokens)")
    listing.add_argument("--platform", type=int)
    listing.set_defaults(func=list_scim_tokens)


def create_scim_token(args, settings: Settings) -> int:
    try:
        token_id, token = create_token(app_parts(settings).engine, args.platform, None, time.time())
    except UnknownPlatform as missing:
        print(f"{missing} (see `coachbridge platform list`)", file=sys.stderr)
        return 1
    base = settings.public_url or "https://<the tool's public URL>"
    print(f"SCIM token {token_id} for platform {args.platform}; the SCIM base URL is {base}/scim/v2")
    print("Give the identity provider this token now: it is not shown again.")
    print(token)
    return 0


def revoke_scim_token(args, settings: Settings) -> int:
    if not revoke_token(app_parts(settings).engine, args.token_id, None, time.time()):
        print(f"no live SCIM token {args.token_id}", file=sys.stderr)
        return 1
    print(f"SCIM token {args.token_id} revoked")
    return 0


def list_scim_tokens(args, settings: Settings) -> int:
    for token in list_tokens(app_parts(settings).engine, args.platform):
        print(json.dumps(token))
    return 0
