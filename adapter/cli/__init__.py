"""The ``coachbridge`` command: one module per command group, each command beside its options.

Every group module has ``add_commands(sub)``; a command's handler takes the parsed
arguments and the settings and returns the exit status. Commands that touch the database
build the application's parts first (adapter/bootstrap.py), so records they save queue
their statements and scores like the web app's. Only ``demo`` loads the web app.
"""
from __future__ import annotations

import argparse
import sys

from adapter.config import ConfigurationError, Settings
from adapter.persistence.key_cipher import KeyEncryptionError

from . import admin, db, demo, keys, lrs, mail, outbox, person, platform, report, retention, roster, scim, serve, worker

GROUPS = (db, keys, platform, admin, roster, report, worker, outbox, lrs, mail, person, retention, scim, serve, demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coachbridge", description="The ``coachbridge`` command.")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Settings.from_env())
    except (ConfigurationError, KeyEncryptionError) as error:
        print(f"coachbridge: {error}", file=sys.stderr)
        return 2
