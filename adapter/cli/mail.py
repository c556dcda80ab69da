"""``coachbridge mail``: the SMTP settings from the command line, as on /admin/mail, and a
test message. The password is read from an environment variable named on the command
line (``--password-env``), never taken as an argument, and never printed."""
from __future__ import annotations

import json
import sys
import time

from adapter.config import Settings
from adapter.domain.rules import RuleViolation
from adapter.services import mail_settings

from .common import app_parts, command_group, secret_from_env


def add_commands(sub) -> None:
    mail = command_group(sub, "mail", "email to managers and learners (as on /admin/mail)")
    mail.add_parser("show", help="the mail settings as JSON (the password only as set / not set)"
                    ).set_defaults(func=show)
    configure = mail.add_parser("set", help="set the SMTP server and sender")
    configure.add_argument("--host", required=True)
    configure.add_argument("--port", type=int, default=587)
    configure.add_argument("--security", choices=("none", "starttls", "tls"), default="starttls")
    configure.add_argument("--username", default="")
    configure.add_argument("--password-env", metavar="VARIABLE", help="the environment variable holding the password")
    configure.add_argument("--from", dest="from_address", required=True, help="the sender address")
    configure.add_argument("--daily-cap", type=int, default=10, help="most emails per person per day")
    configure.add_argument("--disabled", action="store_true", help="keep the settings but send nothing")
    configure.set_defaults(func=configure_mail)
    test = mail.add_parser("test", help="send a test message now (not through the queue)")
    test.add_argument("address")
    test.set_defaults(func=send_test)


def show(args, settings: Settings) -> int:
    current = mail_settings.current(app_parts(settings).engine)
    if current is None:
        print("mail is not set up: coachbridge mail set --host … --from …", file=sys.stderr)
        return 1
    print(json.dumps({"host": current.host, "port": current.port, "security": current.security,
                      "username": current.username, "password": "set" if current.has_password else "not set",
                      "from": current.from_address, "daily_cap": current.daily_cap, "enabled": current.enabled,
                      "defaults": current.defaults}))
    return 0


def configure_mail(args, settings: Settings) -> int:
    password = secret_from_env(args.password_env)
    if password is None:
        return 2
    parts = app_parts(settings)
    form = {"host": args.host, "port": str(args.port), "security": args.security, "username": args.username,
            "password": password, "from_address": args.from_address, "daily_cap": str(args.daily_cap),
            "enabled": "0" if args.disabled else "1"}
    try:
        mail_settings.save(parts.engine, form, parts.cipher, time.time())
    except RuleViolation as broken:
        print(f"coachbridge: {broken.english}", file=sys.stderr)
        return 2
    print("mail settings saved")
    return 0


def send_test(args, settings: Settings) -> int:
    parts = app_parts(settings)
    ok, answer = mail_settings.test(parts.engine, parts.cipher, args.address)
    print(answer, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
