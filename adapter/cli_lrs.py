"""``coachbridge lrs``: the LRS endpoints from the command line, as on /admin/lrs.

For set-up scripts and configuration management. The same checks as the admin page
apply; a password or client secret is read from an environment variable named on the
command line (``--secret-env``), never taken as an argument, where shell history and
process listings would keep it. Secrets are never printed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from adapter.config import Settings


def _engine_and_cipher(settings: Settings):
    from adapter.cli import migrated_engine
    from adapter.web import key_cipher

    return migrated_engine(settings), key_cipher(settings)


def _find(conn, ref: str):
    """An endpoint by id or by name; None (and why, on stderr) if there is none."""
    from adapter.persistence import lrs_store

    if ref.isdigit():
        endpoint = lrs_store.get_endpoint(conn, int(ref))
    else:
        endpoint = next((e for e in lrs_store.endpoints(conn) if e.name == ref), None)
    if endpoint is None:
        print(f"no LRS endpoint {ref}", file=sys.stderr)
    return endpoint


def cmd_lrs_list(args, settings: Settings) -> int:
    from adapter.persistence import lrs_store

    engine, _ = _engine_and_cipher(settings)
    with engine.connect() as conn:
        for e in lrs_store.endpoints(conn):
            print(json.dumps({"id": e.id, "name": e.name, "platform_id": e.platform_id, "endpoint": e.endpoint,
                              "auth": e.auth_kind, "username": e.username, "token_url": e.token_url,
                              "client_id": e.client_id, "xapi_version": e.xapi_version,
                              "batch_size": e.batch_size, "secret": "set" if e.has_secret else "not set",
                              "status": "active" if e.active else "disabled"}))
    return 0


def cmd_lrs_add(args, settings: Settings) -> int:
    from adapter.services import lrs_settings

    secret = ""
    if args.secret_env:
        if args.secret_env not in os.environ:
            print(f"coachbridge: the environment variable {args.secret_env} is not set", file=sys.stderr)
            return 2
        secret = os.environ[args.secret_env]
    engine, cipher = _engine_and_cipher(settings)
    checked = lrs_settings.check_form(engine, {
        "platform_id": str(args.platform), "name": args.name, "endpoint": args.endpoint, "auth_kind": args.auth,
        "username": args.username, "secret": secret, "token_url": args.token_url, "client_id": args.client_id,
        "scope": args.scope, "xapi_version": args.xapi_version, "batch_size": str(args.batch_size)}, None)
    if checked.errors:
        for field, problem in checked.errors.items():
            print(f"{lrs_settings.LABELS[field]}: {problem}", file=sys.stderr)
        return 2
    endpoint_id = lrs_settings.save_endpoint(engine, checked, cipher)
    print(f"LRS endpoint {endpoint_id} ({checked.name}) added; statements of new records go to it")
    return 0


def cmd_lrs_test(args, settings: Settings) -> int:
    from adapter.services import lrs_settings

    engine, cipher = _engine_and_cipher(settings)
    with engine.connect() as conn:
        endpoint = _find(conn, args.ref)
    if endpoint is None:
        return 1
    check = lrs_settings.check_connection(endpoint, cipher)
    print(f"{endpoint.name}: {'ok' if check.ok else 'failed'}: {check.message}")
    return 0 if check.ok else 1


def _set_active(args, settings: Settings, active: bool) -> int:
    from adapter.persistence import lrs_store

    engine, _ = _engine_and_cipher(settings)
    with engine.begin() as conn:
        endpoint = _find(conn, args.ref)
        if endpoint is None:
            return 1
        lrs_store.set_endpoint_active(conn, endpoint.id, active, time.time())
    state = "enabled" if active else "disabled (new records are not queued for it)"
    print(f"LRS endpoint {endpoint.name} {state}")
    return 0


def add_lrs_commands(sub: argparse._SubParsersAction) -> None:
    lrs = sub.add_parser("lrs", help="LRS endpoints (as on /admin/lrs)").add_subparsers(dest="lrs_command",
                                                                                       required=True)
    lrs.add_parser("list", help="the LRS endpoints, one JSON object per line (no secrets)"
                   ).set_defaults(func=cmd_lrs_list)
    add = lrs.add_parser("add", help="send a platform's statements to one more LRS")
    add.add_argument("--platform", type=int, required=True, help="the platform id (`coachbridge platform list`)")
    add.add_argument("--name", required=True, help="a fixed name: queued statements are addressed by it")
    add.add_argument("--endpoint", required=True, help="the xAPI base URL that statements and about hang off")
    add.add_argument("--auth", choices=("none", "basic", "oauth2"), default="basic")
    add.add_argument("--username", default="", help="basic authentication")
    add.add_argument("--secret-env", metavar="VARIABLE",
                     help="the environment variable holding the password or client secret")
    add.add_argument("--token-url", default="", help="OAuth2 client credentials")
    add.add_argument("--client-id", default="", help="OAuth2 client credentials")
    add.add_argument("--scope", default="", help="OAuth2 client credentials")
    add.add_argument("--xapi-version", default="1.0.3")
    add.add_argument("--batch-size", type=int, default=100)
    add.set_defaults(func=cmd_lrs_add)
    test = lrs.add_parser("test", help="ask the LRS's about resource, then read one statement with the stored "
                                       "credentials (sends none)")
    test.add_argument("ref", help="the endpoint's id or name")
    test.set_defaults(func=cmd_lrs_test)
    for name, active in (("enable", True), ("disable", False)):
        command = lrs.add_parser(name, help=f"{name} an endpoint")
        command.add_argument("ref", help="the endpoint's id or name")
        command.set_defaults(func=lambda args, settings, active=active: _set_active(args, settings, active))
