"""``coachbridge scim token create|revoke|list``: the bearer tokens identity providers use
to provision a platform's users (SCIM 2.0, ``/scim/v2``).

``create`` prints the token once, alone on its last line, so a script can take it with
``tail -n 1``; only its hash is stored.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from adapter.config import Settings


def cmd_scim_token_create(args, settings: Settings) -> int:
    from adapter.cli import migrated_engine
    from adapter.services.scim_tokens import UnknownPlatform, create_token

    try:
        token_id, token = create_token(migrated_engine(settings), args.platform, None, time.time())
    except UnknownPlatform as missing:
        print(f"{missing} (see `coachbridge platform list`)", file=sys.stderr)
        return 1
    print(f"SCIM token {token_id} for platform {args.platform}. SCIM base URL: {settings.public_url or '<public URL>'}"
          "/scim/v2 . Give the identity provider this token now: it is not shown again.")
    print(token)
    return 0


def cmd_scim_token_revoke(args, settings: Settings) -> int:
    from adapter.cli import migrated_engine
    from adapter.services.scim_tokens import revoke_token

    if not revoke_token(migrated_engine(settings), args.token_id, None, time.time()):
        print(f"no live SCIM token {args.token_id}", file=sys.stderr)
        return 1
    print(f"SCIM token {args.token_id} revoked")
    return 0


def cmd_scim_token_list(args, settings: Settings) -> int:
    from adapter.cli import migrated_engine
    from adapter.services.scim_tokens import list_tokens

    for token in list_tokens(migrated_engine(settings), args.platform):
        print(json.dumps(token))  # ids and dates only: the tokens themselves are not stored
    return 0


def add_scim_commands(sub: argparse._SubParsersAction) -> None:
    scim = sub.add_parser("scim", help="SCIM provisioning from an identity provider").add_subparsers(
        dest="scim_command", required=True)
    token = scim.add_parser("token", help="bearer tokens per platform").add_subparsers(dest="token_command",
                                                                                      required=True)
    create = token.add_parser("create", help="a new token for a platform, printed once on the last line")
    create.add_argument("--platform", type=int, required=True, help="the platform id (`coachbridge platform list`)")
    create.set_defaults(func=cmd_scim_token_create)
    revoke = token.add_parser("revoke", help="stop a token working")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(func=cmd_scim_token_revoke)
    listing = token.add_parser("list", help="tokens (ids, dates; never the tokens)")
    listing.add_argument("--platform", type=int)
    listing.set_defaults(func=cmd_scim_token_list)
