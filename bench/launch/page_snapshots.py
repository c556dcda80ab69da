"""The pages a launch lands on, written to files: to prove a change to how pages are produced
leaves the HTML the same (run it at the old and the new commit, then ``diff -r``).

    .venv/bin/python bench/launch/page_snapshots.py OUT_DIR
    PYTHONPATH=<tree of the old commit> .venv/bin/python bench/launch/page_snapshots.py OLD_DIR
    diff -r OLD_DIR OUT_DIR

In one process on a fresh SQLite instance: the demo LMS (its people, courses and seeded
records, plus a decided and a re-asked validation, a rated conversation and a second
manager's team) signs launches for every seeded person in English (none sent), French,
German and Spanish; each id_token POST's answer (the landing page itself) is written,
then every page it links to (one level, GET), the learner page re-shown with a form
problem, after saving it (the saved message), and (in the last locale) after withdrawing
the reflection, with its undo; last, a few launches with no locale whose browser asks for a
language, each then choosing Spanish in the tool. CSRF tokens, the demo LMS's address (a new port per run) and times to the second
(audit rows, the export) are replaced by fixed texts. The tool's log lines of all these
requests, and of a few whose paths hold secrets, go to ``request-log.txt`` (logging as
``coachbridge serve`` has it; times, durations and generated request ids replaced).
Each file starts with the answer's status, type and headers. Dates follow today's: compare two runs of the same day.
"""
from __future__ import annotations

import argparse
import io
import logging
import re
import socket
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from werkzeug.serving import make_server

from adapter.config import Settings
from adapter.demo.lms import DemoLMS
from adapter.demo.run import register_demo_lms
from adapter.demo.seed import seed_demo_records
from adapter.logging_setup import configure_logging
from adapter.persistence.tables import people
from adapter.services import coaching
from adapter.web import create_app
from sqlalchemy import select

LOCALES = ("", "fr-FR", "de-DE", "es-ES")
LAUNCHES = (("learner-ana", "rl-feedback"), ("learner-ben", "rl-feedback"), ("learner-ben", "rl-delegation"),
            ("learner-carla", "rl-hybrid"), ("learner-dev", "rl-hybrid"), ("manager-maria", "rl-feedback"),
            ("manager-omar", "rl-hybrid"), ("instructor-ivan", "rl-feedback"), ("admin-ada", "rl-feedback"))
CSRF = re.compile(r'(name="csrf_token" value=")[^"]*(")')
WITHDRAWAL = re.compile(r"/learner/reflection/\d+/withdrawal")
LINK = re.compile(r'href="(/[^"#]*)')
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?")  # audit rows, the export: seconds differ per run
COOKIE_VARIES = re.compile(r"(^[^=]*=|Expires=)[^;]*")  # a cookie's token and expiry
LOG_VARIES = re.compile(r'("duration_ms": )[0-9.e+-]+|"[0-9a-f]{32}"')  # and the ts, by TIME
SECRET_PATHS = ("/admin/sign-in/secret-token-value", "/calendar/Zx9_feed-Token1.ics", "/lti/register/inv-token-42",
                "/unsubscribe/reminders/Un5ub-Token2", "/nothing/password=hunter2",
                "/nothing/eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl")


def serve_demo_lms():
    """The demo LMS (its keys, its launches) on a free port of 127.0.0.1, in a thread; and its server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lms = DemoLMS(lms_url=f"http://127.0.0.1:{port}", tool_url="http://localhost")
    server = make_server("127.0.0.1", port, lms.create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return lms, server


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    lms, server = serve_demo_lms()
    instance = Path(tempfile.mkdtemp(prefix="page-snapshots-"))
    configure_logging("INFO")
    log_lines = io.StringIO()
    logging.getLogger().handlers[0].setStream(log_lines)
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance),
                                         "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}))
    parts = app.extensions["coachbridge"]
    platform_id = register_demo_lms(app, lms)
    seed_demo_records(parts.engine, platform_id, lms, parts.role_map)
    _more_records(parts, platform_id)

    def launch(user_id: str, link_id: str, locale: str, browser_languages: str | None = None):
        client = app.test_client()
        headers = {"Accept-Language": browser_languages} if browser_languages else {}
        r = client.get(urlsplit(lms.login_url(user_id, link_id, locale=locale))._replace(scheme="", netloc="").geturl(),
                       headers=headers)
        assert r.status_code == 302, r.data[:300]
        q = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}
        token = lms.sign(lms.launch_claims(user_id, link_id, q["nonce"], locale))
        return client, client.post("/lti/launch", data={"id_token": token, "state": q["state"]}, headers=headers)

    lms_address = lms.lms_url  # its port differs per run
    written = 0
    for locale in LOCALES:
        for user_id, link_id in LAUNCHES:
            name = f"{locale or 'none'}-{user_id}-{link_id}"
            client, landing = launch(user_id, link_id, locale)
            written += _write(args.out / f"{name}.html", landing, lms_address)
            for path in sorted(set(LINK.findall(landing.get_data(as_text=True)))):
                if "kind=json" not in path and not path.startswith("/static/"):
                    written += _write(args.out / f"{name}{path.replace('/', '_')}.html", client.get(path), lms_address)
            if user_id.startswith("learner-"):
                page = client.get("/learner/")
                token = CSRF.search(page.get_data(as_text=True)).group(0).split('value="')[1][:-1]
                problem = client.post("/learner/reflection", data={"csrf_token": token, "learned": "", "confidence": "9"})
                written += _write(args.out / f"{name}-reflection-problem.html", problem, lms_address)
                saved = client.post("/learner/reflection", follow_redirects=True, data={
                    "csrf_token": token, "learned": f"Agendas first ({locale or 'en'})", "applying": "Monday's call",
                    "confidence": "4"})
                written += _write(args.out / f"{name}-reflection-saved.html", saved, lms_address)
                withdrawal = WITHDRAWAL.search(landing.get_data(as_text=True))
                if withdrawal and locale == LOCALES[-1]:  # the last round: the page then offers its undo
                    withdrawn = client.post(withdrawal.group(0), data={"csrf_token": token}, follow_redirects=True)
                    written += _write(args.out / f"{name}-withdrawn.html", withdrawn, lms_address)
    # The page's language from elsewhere than the launch: the browser's (a language without a
    # territory, a territory the tool has no texts of its own for), then a choice saved in the tool.
    for (user_id, link_id), browser_languages in zip(LAUNCHES[::4], ("fr-CA,fr;q=0.8", "de", "es-MX,en;q=0.5")):
        name = f"browser-{browser_languages.partition(',')[0]}-{user_id}-{link_id}"
        client, landing = launch(user_id, link_id, "", browser_languages)
        written += _write(args.out / f"{name}.html", landing, lms_address)
        token = CSRF.search(landing.get_data(as_text=True)).group(0).split('value="')[1][:-1]
        chosen = client.post("/language", data={"csrf_token": token, "locale": "es", "next": "/"},
                             follow_redirects=True)
        written += _write(args.out / f"{name}-chose-es.html", chosen, lms_address)
    for path in SECRET_PATHS:
        app.test_client().get(path)
    logging.getLogger("coachbridge.snapshots").warning("another logger's line, scrubbed too: password=hunter2")
    server.shutdown()
    tool_lines = [line for line in log_lines.getvalue().splitlines() if '"logger": "coachbridge.' in line]
    (args.out / "request-log.txt").write_text("".join(
        LOG_VARIES.sub(lambda m: m.group(1) + "D" if m.group(1) else '"ID"', TIME.sub("TIME", line)) + "\n"
        for line in tool_lines), encoding="utf-8")
    print(f"{written} pages of {Path(create_app.__code__.co_filename).parent} written to {args.out}")
    return 0


def _more_records(parts, platform_id: int) -> None:
    """Beyond the demo's seed: a validation decided then asked again, another one validated,
    a rated conversation."""
    engine, now = parts.engine, time.time()
    with engine.connect() as conn:
        ids = dict(conn.execute(select(people.c.sub, people.c.id)).all())

    def viewer(sub: str, roles: list[str]):
        with engine.connect() as conn:
            return coaching.load_viewer(conn, ids[sub], platform_id, roles, None)

    from adapter.persistence.coaching_tables import validation_requests
    with engine.connect() as conn:
        request_id = conn.execute(select(validation_requests.c.id)).scalar_one()
    maria, ana = viewer("manager-maria", ["manager"]), viewer("learner-ana", ["learner"])
    coaching.decide_validation(engine, maria, request_id, "needs_more_evidence", "Say what changed afterwards.", now)
    with engine.connect() as conn:
        link_pk = conn.execute(select(validation_requests.c.resource_link_pk)).scalar_one()
    coaching.ask_for_validation(engine, ana, link_pk, "Joe now opens calls with the agenda <and> asks first.", now)
    from adapter.persistence.coaching_tables import conversations
    with engine.connect() as conn:
        conversation_id = conn.execute(select(conversations.c.id)).scalars().first()
    coaching.rate_conversation(engine, ana, conversation_id, "4", now)


def _write(path: Path, response, lms_address: str) -> int:
    body = TIME.sub("TIME", CSRF.sub(r"\1CSRF\2", response.get_data(as_text=True)).replace(lms_address, "LMS"))
    headers = "".join(f"{name}: {_header(name, value, lms_address)}\n" for name, value in response.headers)
    path.write_text(f"{response.status_code} {response.mimetype}\n{headers}{body}", encoding="utf-8")
    return 1


def _header(name: str, value: str, lms_address: str) -> str:
    if name in ("X-Request-Id", "Content-Length"):  # generated; the length follows the LMS's port
        return "VARIES"
    return COOKIE_VARIES.sub(r"\1VARIES", value) if name == "Set-Cookie" else value.replace(lms_address, "LMS")


if __name__ == "__main__":
    raise SystemExit(main())
