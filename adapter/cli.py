"""The ``coachbridge`` command."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

from adapter.cli_lrs import add_lrs_commands
from adapter.cli_person import add_person_commands
from adapter.config import DEFAULT_PUBLIC_URL, ConfigurationError, Settings


def migrated_engine(settings: Settings):
    """The configured database, created or migrated first (every command may be the first)."""
    from adapter.persistence.database import make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


def _key_store(settings: Settings):
    from adapter.persistence.key_store import ToolKeyStore
    from adapter.web import key_cipher

    return ToolKeyStore(migrated_engine(settings), key_cipher(settings))


def _base_url(args, settings: Settings) -> str:
    return (args.base_url or settings.public_url or DEFAULT_PUBLIC_URL).rstrip("/")


def cmd_db_upgrade(args, settings: Settings) -> int:
    migrated_engine(settings)
    print("database schema is up to date")
    return 0


def cmd_keys_rotate(args, settings: Settings) -> int:
    key = _key_store(settings).rotate()
    print(f"new signing key {key.kid}; previous keys stay published for 7 days")
    return 0


def cmd_keys_list(args, settings: Settings) -> int:
    for key in _key_store(settings).published():
        print(key.kid)
    return 0


def cmd_keys_new_encryption_key(args, settings: Settings) -> int:
    from adapter.persistence.key_cipher import new_secret

    print(new_secret())
    return 0


def cmd_platform_add(args, settings: Settings) -> int:
    from adapter.services.platforms import PlatformSpec, register_platform

    platform_id = register_platform(migrated_engine(settings), PlatformSpec(
        issuer=args.issuer, client_id=args.client_id, auth_login_url=args.auth_login_url,
        key_set_url=args.jwks_url, auth_token_url=args.token_url or "", name=args.name or "",
        deployment_ids=tuple(args.deployment_id or ())))
    print(f"platform {platform_id} registered")
    return 0


def cmd_platform_list(args, settings: Settings) -> int:
    from adapter.services.platforms import list_platforms

    for p in list_platforms(migrated_engine(settings)):
        state = "active" if p["active"] else "disabled"
        print(json.dumps({"id": p["id"], "name": p["name"], "issuer": p["issuer"], "client_id": p["client_id"],
                          "deployments": p["deployment_ids"], "status": state}))
    return 0


def cmd_platform_show(args, settings: Settings) -> int:
    from adapter.services.platforms import find_platform

    platform = find_platform(migrated_engine(settings), args.id)
    if platform is None:
        print(f"no platform {args.id}", file=sys.stderr)
        return 1
    for field in ("id", "name", "issuer", "client_id", "auth_login_url", "key_set_url", "auth_token_url",
                  "token_audience", "product_family_code", "registered_by", "deployment_ids", "active"):
        print(f"{field}: {platform[field]}")
    return 0


def _set_active(args, settings: Settings, active: bool) -> int:
    from adapter.services.platforms import set_platform_active

    if not set_platform_active(migrated_engine(settings), args.id, active):
        print(f"no platform {args.id}", file=sys.stderr)
        return 1
    print(f"platform {args.id} {'enabled' if active else 'disabled'} (running servers follow within seconds)")
    return 0


def cmd_tool_config(args, settings: Settings) -> int:
    from adapter.services.tool_configuration import ToolUrls, canvas_json

    urls = ToolUrls.for_base(_base_url(args, settings))
    if args.canvas_json:
        print(json.dumps(canvas_json(urls), indent=2))
        return 0
    for label, value in urls.rows():
        print(f"{label}: {value}")
    return 0


def cmd_admin_link(args, settings: Settings) -> int:
    import time

    from adapter.services.admin_access import issue_admin_link

    token = issue_admin_link(migrated_engine(settings), time.time(), lifetime=args.minutes * 60)
    print(f"{_base_url(args, settings)}/admin/sign-in/{token}")
    print(f"(works once, for {args.minutes} minutes)", file=sys.stderr)
    return 0


def cmd_roster_sync(args, settings: Settings) -> int:
    """Read course rosters from the LMS (NRPS): every course whose launches offered it."""
    import time

    from adapter.mapping_files import load_role_map
    from adapter.persistence.key_store import ToolKeyStore
    from adapter.services.lms_services import LmsAccess, NoServiceAccess, contexts_with_roster, sync_roster
    from adapter.web import key_cipher
    from lti.service_token import PlatformServiceError

    engine = migrated_engine(settings)
    access = LmsAccess(engine, ToolKeyStore(engine, key_cipher(settings)), key_cipher(settings))
    failures = 0
    for context_pk in args.context or contexts_with_roster(engine):
        try:
            result = sync_roster(access, load_role_map(), context_pk, time.time())
        except (NoServiceAccess, PlatformServiceError) as error:
            failures += 1
            print(f"course {context_pk}: not synced: {error}", file=sys.stderr)
            continue
        how = "changes since last sync" if result.used_differences else "full roster"
        print(f"course {context_pk}: {result.active} active, {result.departed} left ({how})")
    return 1 if failures else 0


def _rebuild_report_summaries(settings: Settings) -> int:
    """Recompute the admin dashboard's summary from every record (the records'
    transactions keep it; this is for after changing records outside the tool)."""
    import time

    from adapter.services.reports import rebuild_summaries

    started = time.perf_counter()
    built = rebuild_summaries(migrated_engine(settings))
    print(f"report summaries rebuilt: {built['learners']} learners, {built['course_rows']} course rows "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_report(args, settings: Settings) -> int:
    """The organisation's measures, from the database or recomputed from an LRS alone."""
    import dataclasses
    from datetime import date

    from adapter.domain.measures import measures, total

    if args.action == "rebuild-summaries":
        return _rebuild_report_summaries(settings)
    as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    if args.from_lrs:
        from adapter.services.lrs_measures import StatementReading
        from xapi.lrs_client import BasicAuth, LrsConfig
        from xapi.mapping import load_mapping
        from xapi.statement_reader import LrsReadError, StatementReader

        password = os.environ.get(args.password_env, "")
        config = LrsConfig(name="report", endpoint=args.from_lrs,
                           auth=BasicAuth(args.username, password) if args.username else None)
        try:
            statements = StatementReader(config).all_statements()
        except LrsReadError as error:
            print(f"coachbridge report: {error}", file=sys.stderr)
            return 1
        facts = total(StatementReading(load_mapping()).facts_by_course(statements, as_of).values())
        source = f"{len(statements)} statements from {args.from_lrs}"
    else:
        from adapter.services.reports import organisation_dashboard

        with migrated_engine(settings).connect() as conn:
            facts = organisation_dashboard(conn, {"admin"}, as_of).facts
        source = "the database"
    shown = measures(facts)
    if args.json:
        print(json.dumps({"as_of": as_of.isoformat(), "facts": dataclasses.asdict(facts),
                          "measures": [{"key": m.key, "value": m.value, "count": m.count, "numerator": m.numerator}
                                       for m in shown]}, indent=2))
        return 0
    print(f"Measures on {as_of.isoformat()}, from {source}:")
    for m in shown:
        print(f"  {m.label}: {m.display} (of {m.count})")
    return 0


def cmd_worker(args, settings: Settings) -> int:
    """Deliver the outboxes in the foreground until SIGTERM or SIGINT."""
    import logging
    import signal

    from adapter.web import key_cipher
    from adapter.worker import Worker, default_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    worker = Worker(default_jobs(migrated_engine(settings), key_cipher(settings), lease=args.lease),
                    idle_wait=args.idle_wait)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    print("coachbridge worker: delivering; SIGTERM or Ctrl+C stops it", flush=True)
    worker.run()
    print("coachbridge worker: stopped", flush=True)
    return 0


def _print_queues(engine) -> int:
    """Print the queue table; how many messages are pending."""
    import time

    from adapter.persistence.outbox_store import queue_status

    rows = queue_status(engine, time.time())
    print(f"{'channel':8} {'target':30} {'pending':>8} {'delivered':>10} {'dead':>6} {'oldest pending':>15}")
    for q in rows:
        age = f"{q.oldest_pending_age:.0f} s" if q.oldest_pending_age is not None else "-"
        print(f"{q.channel:8} {q.target:30} {q.pending:>8} {q.delivered:>10} {q.dead:>6} {age:>15}")
    return sum(q.pending for q in rows)


def cmd_outbox_status(args, settings: Settings) -> int:
    _print_queues(migrated_engine(settings))
    return 0


def cmd_outbox_retry_dead(args, settings: Settings) -> int:
    import time

    from adapter.persistence.outbox_store import retry_dead

    count = retry_dead(migrated_engine(settings), time.time(), channel=args.channel, target=args.target)
    print(f"{count} dead message(s) requeued")
    return 0


def cmd_outbox_drain(args, settings: Settings) -> int:
    """Deliver everything due now, then exit; 1 if anything is left (a target down or backing off)."""
    from adapter.web import key_cipher
    from adapter.worker import default_jobs, drain

    engine = migrated_engine(settings)
    settled = drain(default_jobs(engine, key_cipher(settings)))
    print(f"{settled} message(s) settled")
    pending = _print_queues(engine)
    if pending:
        print(f"{pending} message(s) still pending", file=sys.stderr)
    return 1 if pending else 0


def cmd_serve(args, settings: Settings) -> int:
    """Production: gunicorn with the app factory; migrations run once, before forking.
    Each gunicorn worker also delivers the outboxes in a thread unless ``--no-worker``."""
    from adapter.worker import DELIVERY_THREAD

    settings.check()
    _key_store(settings).seal_plaintext_keys()
    os.environ[DELIVERY_THREAD] = "0" if args.no_worker else "1"
    # Each gunicorn worker counts its own metrics; this folder lets /metrics add them up.
    metrics_dir = settings.instance_path / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    # No gunicorn access log: the app logs each request as JSON, with secrets scrubbed
    # (a sign-in link's token is in its path).
    argv = ["gunicorn", "--bind", args.bind, "--workers", str(args.workers), "--threads", str(args.threads),
            "adapter.wsgi:app"]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])
    return 0  # not reached


def cmd_demo(args, settings: Settings) -> int:
    from adapter.demo import run_demo

    run_demo(settings, tool_port=args.port, lms_port=args.lms_port, lrs_port=args.lrs_port,
             with_worker=not args.no_worker)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coachbridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=cmd_db_upgrade)

    keys = sub.add_parser("keys", help="the tool's signing keys").add_subparsers(dest="keys_command", required=True)
    keys.add_parser("rotate", help="start signing with a new key").set_defaults(func=cmd_keys_rotate)
    keys.add_parser("list", help="the published key ids").set_defaults(func=cmd_keys_list)
    keys.add_parser("new-encryption-key", help="print a secret for COACHBRIDGE_KEY_ENCRYPTION_KEY"
                    ).set_defaults(func=cmd_keys_new_encryption_key)

    platform = sub.add_parser("platform", help="LMS registrations").add_subparsers(dest="platform_command",
                                                                                  required=True)
    add = platform.add_parser("add", help="register an LMS by hand")
    add.add_argument("--issuer", required=True)
    add.add_argument("--client-id", required=True)
    add.add_argument("--auth-login-url", required=True, help="the LMS's OIDC authorization endpoint")
    add.add_argument("--jwks-url", required=True, help="the LMS's public key set URL")
    add.add_argument("--token-url", help="the LMS's OAuth2 token endpoint (for grades and rosters)")
    add.add_argument("--deployment-id", action="append", help="repeat for several deployments")
    add.add_argument("--name")
    add.set_defaults(func=cmd_platform_add)
    platform.add_parser("list", help="registered LMSs").set_defaults(func=cmd_platform_list)
    for name, func, text in (("show", cmd_platform_show, "one registration in full"),
                             ("disable", lambda a, s: _set_active(a, s, False), "refuse its launches"),
                             ("enable", lambda a, s: _set_active(a, s, True), "accept its launches again")):
        command = platform.add_parser(name, help=text)
        command.add_argument("id", type=int)
        command.set_defaults(func=func)

    config = sub.add_parser("tool-config", help="what an LMS admin pastes to register the tool")
    config.add_argument("--base-url", help="the tool's public URL (default: COACHBRIDGE_PUBLIC_URL)")
    config.add_argument("--canvas-json", action="store_true", help="a Canvas developer key JSON configuration")
    config.set_defaults(func=cmd_tool_config)

    admin = sub.add_parser("admin", help="tool administration").add_subparsers(dest="admin_command", required=True)
    link = admin.add_parser("link", help="print a one-time sign-in link to the admin pages")
    link.add_argument("--base-url", help="the tool's public URL (default: COACHBRIDGE_PUBLIC_URL)")
    link.add_argument("--minutes", type=int, default=15)
    link.set_defaults(func=cmd_admin_link)

    roster = sub.add_parser("roster", help="course rosters from the LMS").add_subparsers(dest="roster_command",
                                                                                      required=True)
    sync = roster.add_parser("sync", help="read rosters (NRPS) of courses the tool was launched from")
    sync.add_argument("--context", type=int, action="append", help="a course id (default: every course)")
    sync.set_defaults(func=cmd_roster_sync)

    report = sub.add_parser("report", help="the organisation's outcome measures")
    report.add_argument("action", nargs="?", choices=["rebuild-summaries"],
                        help="rebuild-summaries: recompute the admin dashboard's summary from every record")
    report.add_argument("--from-lrs", metavar="URL", help="recompute them from this LRS's statements alone "
                        "(the xAPI base URL, e.g. https://lrs.example.org/xAPI/)")
    report.add_argument("--username", help="the LRS's basic-auth user")
    report.add_argument("--password-env", default="COACHBRIDGE_LRS_PASSWORD",
                        help="the environment variable holding the LRS password")
    report.add_argument("--as-of", help="the report date, YYYY-MM-DD (default: today)")
    report.add_argument("--json", action="store_true", help="facts and measures as JSON")
    report.set_defaults(func=cmd_report)

    worker = sub.add_parser("worker", help="deliver statements and scores (foreground)")
    worker.add_argument("--lease", type=float, default=120.0,
                        help="seconds a claimed batch stays with this worker if it dies (default 120)")
    worker.add_argument("--idle-wait", type=float, default=1.0, help="seconds between polls when idle")
    worker.set_defaults(func=cmd_worker)

    outbox = sub.add_parser("outbox", help="the delivery queues").add_subparsers(dest="outbox_command",
                                                                                required=True)
    outbox.add_parser("status", help="pending, delivered, dead and oldest pending age per channel and target"
                      ).set_defaults(func=cmd_outbox_status)
    retry = outbox.add_parser("retry-dead", help="requeue dead messages once their cause is fixed")
    retry.add_argument("--channel", help="xapi or ags (default: every channel)")
    retry.add_argument("--target", help="an LRS endpoint name or platform:<id> (default: every target)")
    retry.set_defaults(func=cmd_outbox_retry_dead)
    outbox.add_parser("drain", help="deliver everything due now, then exit (1 if anything is left pending)"
                      ).set_defaults(func=cmd_outbox_drain)

    add_lrs_commands(sub)
    add_person_commands(sub)

    serve = sub.add_parser("serve", help="run the tool under gunicorn (production)")
    serve.add_argument("--bind", default="127.0.0.1:8000")
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, default=4)
    serve.add_argument("--no-worker", action="store_true", help="do not deliver outboxes here (run `worker`)")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="the tool and a demo LMS on this machine")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--lms-port", type=int, default=8001)
    demo.add_argument("--lrs-port", type=int, default=8002, help="the demo LRS the statements go to")
    demo.add_argument("--no-worker", action="store_true", help="queue statements but do not deliver them")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from adapter.persistence.key_cipher import KeyEncryptionError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Settings.from_env())
    except (ConfigurationError, KeyEncryptionError) as error:
        print(f"coachbridge: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
