"""``coachbridge demo``: the tool, a demo LMS, a demo LRS and a mail catcher on this machine."""
from __future__ import annotations

from adapter.config import Settings


def add_commands(sub) -> None:
    demo = sub.add_parser("demo", help="the tool and a demo LMS on this machine")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--lms-port", type=int, default=8001)
    demo.add_argument("--lrs-port", type=int, default=8002, help="the demo LRS the statements go to")
    demo.add_argument("--mail-port", type=int, default=8003, help="the demo mail catcher's page")
    demo.add_argument("--smtp-port", type=int, default=8025, help="the demo mail catcher's SMTP server")
    demo.add_argument("--no-worker", action="store_true", help="queue statements but do not deliver them")
    demo.set_defaults(func=run)


def run(args, settings: Settings) -> int:
    # Imported here: the demo runs the web app, and no other command should load Flask.
    from adapter.demo.run import run_demo

    run_demo(settings, tool_port=args.port, lms_port=args.lms_port, lrs_port=args.lrs_port,
             with_worker=not args.no_worker, mail_port=args.mail_port, smtp_port=args.smtp_port)
    return 0
