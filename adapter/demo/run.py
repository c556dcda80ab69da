"""``coachbridge demo``: the tool and a demo LMS, registered with each other, on this machine.

The tool answers on ``localhost`` and the LMS on ``127.0.0.1``: two different sites, so
the iframe launch meets the same third-party-cookie rules as in a real LMS.
"""
from __future__ import annotations

import dataclasses
import time

from adapter.config import Settings
from adapter.demo.lms import DemoLMS
from adapter.demo.lrs import DemoLrs
from adapter.demo.mail import SmtpServer
from adapter.demo.mail import create_app as mail_catcher
from adapter.demo.seed import seed_demo_records
from adapter.demo.local_server import ServerThread
from adapter.domain.mail import DEFAULT_DAILY_CAP
from adapter.persistence import lrs_store, mail_store
from adapter.persistence.platform_store import platform_with
from adapter.services.invitations import invite
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.services.reminders import ReminderScan
from adapter.web import create_app
from adapter.web.app_components import components
from adapter.worker import Worker, default_jobs

DEMO_LRS_NAME = "demo-lrs"


def register_demo_lms(app, lms: DemoLMS) -> int:
    """Registered by hand, as an operator would (kept from an earlier run of the demo); and a
    fresh invitation link on the demo LMS's "add a tool" page, to try Dynamic Registration."""
    engine = app.extensions["coachbridge"].engine
    lms.tool_registration_url = invite(engine, lms.tool_url, time.time(), "the demo LMS's add-a-tool page").link
    with engine.connect() as conn:
        known = platform_with(conn, lms.issuer, lms.client_id)
    return known if known is not None else register_platform(engine, PlatformSpec(
        issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_login_url,
        key_set_url=lms.key_set_url, auth_token_url=lms.token_url, name="Demo LMS",
        deployment_ids=(lms.deployment_id,)))


def register_demo_lrs(app, platform_id: int, lrs: DemoLrs, endpoint: str) -> None:
    """The demo platform's statements go to the demo LRS (its password is new each run)."""
    parts = app.extensions["coachbridge"]
    settings = {"platform_id": platform_id, "endpoint": endpoint, "auth_kind": "basic", "username": lrs.username,
                "token_url": "", "client_id": "", "scope": "", "xapi_version": "1.0.3", "batch_size": 100}
    secret = lrs_store.seal(lrs.password, parts.cipher)
    now = time.time()
    with parts.engine.begin() as conn:
        known = next((e for e in lrs_store.endpoints(conn) if e.name == DEMO_LRS_NAME), None)
        if known is None:
            lrs_store.add_endpoint(conn, DEMO_LRS_NAME, settings, secret, now)
        else:
            lrs_store.update_endpoint(conn, known.id, settings, secret, now)


def use_demo_mail(app, smtp_port: int) -> None:
    """The tool's mail goes to the demo's mail catcher (plain SMTP on this machine)."""
    parts = app.extensions["coachbridge"]
    with parts.engine.begin() as conn:
        mail_store.save_settings(conn, {"host": "127.0.0.1", "port": smtp_port, "security": "none", "username": "",
                                        "from_address": "coachbridge@demo.invalid", "daily_cap": DEFAULT_DAILY_CAP,
                                        "enabled": True}, "", parts.cipher, time.time())


def run_demo(settings: Settings, tool_port: int = 8000, lms_port: int = 8001, lrs_port: int = 8002,
             with_worker: bool = True, mail_port: int = 8003, smtp_port: int = 8025) -> None:
    tool_url, lms_url, lrs_url, mail_url = (f"http://localhost:{tool_port}", f"http://127.0.0.1:{lms_port}",
                                            f"http://127.0.0.1:{lrs_port}", f"http://127.0.0.1:{mail_port}")
    if not settings.public_url:  # the IRIs the tool coins name the tool the demo runs
        settings = dataclasses.replace(settings, public_url=tool_url)
    # The demo LMS answers on 127.0.0.1: its registration configuration is on a loopback address.
    settings = dataclasses.replace(settings, allow_private_addresses=True)
    app = create_app(settings)
    lms, lrs = DemoLMS(lms_url=lms_url, tool_url=tool_url), DemoLrs()
    platform_id = register_demo_lms(app, lms)
    register_demo_lrs(app, platform_id, lrs, f"{lrs_url}/xapi/")
    smtp = SmtpServer(port=smtp_port).start()
    use_demo_mail(app, smtp_port)
    with app.app_context():
        seed_demo_records(components().engine, platform_id, lms, components().role_map)
    servers = [ServerThread(app, host="localhost", port=tool_port).start(),
               ServerThread(lms.create_app(), host="127.0.0.1", port=lms_port).start(),
               ServerThread(lrs.create_app(), host="127.0.0.1", port=lrs_port).start(),
               ServerThread(mail_catcher(smtp), host="127.0.0.1", port=mail_port).start(), smtp]
    parts = app.extensions["coachbridge"]
    jobs = [*default_jobs(parts.engine, parts.cipher, allow_private_addresses=settings.allow_private_addresses),
            ReminderScan(parts.engine, parts.settings.public_url)]
    worker = Worker(jobs).start() if with_worker else None
    print(f"coachbridge demo\n  demo LMS (launch as …): {lms_url}/\n  tool:                   {tool_url}/\n"
          f"  demo LRS (statements):  {lrs_url}/{'' if worker else '  (not delivered: --no-worker)'}\n"
          f"  demo mail (emails):     {mail_url}/  (SMTP on 127.0.0.1:{smtp_port})\n"
          f"  database:               {settings.database_url}\nPress Ctrl+C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None:
            worker.stop()
        for server in servers:
            server.stop()
