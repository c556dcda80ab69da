"""What several command groups share: the application's parts, the tool's public URL, secrets from the environment."""
from __future__ import annotations

import os
import sys

from adapter.bootstrap import Parts, bootstrap
from adapter.config import DEFAULT_PUBLIC_URL, Settings


def app_parts(settings: Settings) -> Parts:
    """The configured database, created or migrated first (every command may be the first),
    with the application's event handlers bound to it."""
    return bootstrap(settings)


def command_group(sub, name: str, help: str):
    """``coachbridge <name> <command>``: the group's parser for its commands."""
    return sub.add_parser(name, help=help).add_subparsers(dest=f"{name}_command", required=True)


def add_base_url_option(parser) -> None:
    parser.add_argument("--base-url", help="the tool's public URL (default: COACHBRIDGE_PUBLIC_URL)")


def base_url(args, settings: Settings) -> str:
    return (args.base_url or settings.public_url or DEFAULT_PUBLIC_URL).rstrip("/")


def secret_from_env(variable: str | None) -> str | None:
    """The secret held by the environment variable named on the command line ("" when
    none was named); None, with the reason on stderr, when that variable is not set.
    Secrets never travel as arguments, where shell history and process lists keep them."""
    if not variable:
        return ""
    if variable not in os.environ:
        print(f"coachbridge: the environment variable {variable} is not set", file=sys.stderr)
        return None
    return os.environ[variable]
