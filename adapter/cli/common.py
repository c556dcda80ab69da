"""What several command groups share: the application's parts and the tool's public URL."""
from __future__ import annotations

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
