"""``coachbridge lrs``: the LRS endpoints from the command line, as on /admin/lrs.

For set-up scripts and configuration management. The same checks as the admin page
apply; a password or client secret is read from an environment variable named on the
command line (``--secret-env``), never taken as an argument, where shell history and
process listings would keep it. Secrets are never printed.
"""
from __future__ import annotations

import json
import sys
import time

from sqlalchemy import Connection, Engine

from adapter.config import Settings
from adapter.domain.admin_scope import AdminScope
from adapter.domain.commands import ConfigureLrs
from adapter.domain.rules import whole_number
from adapter.persistence import lrs_store
from adapter.services import lrs_settings

from .common import app_parts, command_group, secret_from_env


def add_commands(sub) -> None:
    lrs = command_group(sub, "lrs", "LRS endpoints (as on /admin/lrs)")
    lrs.add_parser("list", help="the LRS endpoints, one JSON object per line (no secrets)"
                   ).set_defaults(func=list_endpoints)
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
    add.set_defaults(func=add_endpoint)
    test = lrs.add_parser("test", help="ask the LRS's about resource, then read one statement with the stored "
                                       "credentials (sends none)")
    test.add_argument("ref", help="the endpoint's id or name")
    test.set_defaults(func=try_connection)
    trust = lrs.add_parser("trust", help="count an endpoint as the tool operator's, as if saved on /admin/lrs by "
                                         "the operator: it may then be reached at a private address and through "
                                         "a proxy (for one saved by a platform admin, or before December 2026)")
    trust.add_argument("ref", help="the endpoint's id or name")
    trust.add_argument("--endpoint", required=True, metavar="URL",
                       help="its xAPI endpoint as you checked it (`lrs list`): refused if it now names another")
    trust.add_argument("--token-url", default="", metavar="URL", help="its OAuth2 token URL as you checked it")
    trust.set_defaults(func=trust_endpoint)
    for name, active in (("enable", True), ("disable", False)):
        command = lrs.add_parser(name, help=f"{name} an endpoint")
        command.add_argument("ref", help="the endpoint's id or name")
        command.set_defaults(func=lambda args, settings, active=active: set_active(args, settings, active))


def find(conn: Connection, ref: str) -> lrs_store.LrsEndpoint | None:
    """An endpoint by id or by name; None (and why, on stderr) if there is none."""
    number = whole_number(ref)
    if number is not None:
        endpoint = lrs_store.get_endpoint(conn, number)
    else:
        endpoint = next((e for e in lrs_store.endpoints(conn) if e.name == ref), None)
    if endpoint is None:
        print(f"no LRS endpoint {ref}", file=sys.stderr)
    return endpoint


def found(engine: Engine, ref: str) -> lrs_store.LrsEndpoint | None:
    with engine.connect() as conn:
        return find(conn, ref)


def list_endpoints(args, settings: Settings) -> int:
    with app_parts(settings).engine.connect() as conn:
        for e in lrs_store.endpoints(conn):
            print(json.dumps({"id": e.id, "name": e.name, "platform_id": e.platform_id, "endpoint": e.endpoint,
                              "auth": e.auth_kind, "username": e.username, "token_url": e.token_url,
                              "client_id": e.client_id, "xapi_version": e.xapi_version,
                              "batch_size": e.batch_size, "secret": "set" if e.has_secret else "not set",
                              "status": "active" if e.active else "disabled",
                              "private_address": lrs_settings.private_address_allowed_by(
                                  e, settings.allow_private_addresses) or "not allowed"}))
    return 0


def add_endpoint(args, settings: Settings) -> int:
    secret = secret_from_env(args.secret_env)
    if secret is None:
        return 2
    parts = app_parts(settings)
    checked = lrs_settings.check_form(parts.engine, AdminScope.operator(), ConfigureLrs(
        platform_id=str(args.platform), name=args.name, endpoint=args.endpoint, auth_kind=args.auth,
        username=args.username, secret=secret, token_url=args.token_url, client_id=args.client_id,
        scope=args.scope, xapi_version=args.xapi_version, batch_size=str(args.batch_size)), None)
    if checked.errors:
        for field, problem in checked.errors.items():
            print(f"{lrs_settings.LABELS[field]}: {problem.english}", file=sys.stderr)
        return 2
    endpoint_id = lrs_settings.save_endpoint(parts.engine, checked, parts.cipher)
    print(f"LRS endpoint {endpoint_id} ({checked.name}) added; statements of new records go to it")
    return 0


def try_connection(args, settings: Settings) -> int:
    parts = app_parts(settings)
    endpoint = found(parts.engine, args.ref)
    if endpoint is None:
        return 1
    check = lrs_settings.check_connection(endpoint, parts.cipher, settings.allow_private_addresses)
    print(f"{endpoint.name}: {'ok' if check.ok else 'failed'}: {check.message}")
    return 0 if check.ok else 1


def trust_endpoint(args, settings: Settings) -> int:
    parts = app_parts(settings)
    endpoint = found(parts.engine, args.ref)
    if endpoint is None:
        return 1
    if not lrs_settings.trust_endpoint(parts.engine, endpoint.id, args.endpoint, args.token_url):
        endpoint = found(parts.engine, str(endpoint.id)) or endpoint  # as it is now
        print(f"LRS endpoint {endpoint.name} is not at the address given (it names {endpoint.endpoint}"
              f"{', token URL ' + endpoint.token_url if endpoint.token_url else ''}): check it, then run this "
              "again with what it names", file=sys.stderr)
        return 1
    print(f"LRS endpoint {endpoint.name} ({args.endpoint}) now counts as saved by the tool operator: it may be "
          "reached at a private address and through a proxy, until a platform admin saves it")
    return 0


def set_active(args, settings: Settings, active: bool) -> int:
    with app_parts(settings).engine.begin() as conn:
        endpoint = find(conn, args.ref)
        if endpoint is None:
            return 1
        lrs_store.set_endpoint_active(conn, endpoint.id, active, time.time())
    state = "enabled" if active else "disabled (new records are not queued for it)"
    print(f"LRS endpoint {endpoint.name} {state}")
    return 0
