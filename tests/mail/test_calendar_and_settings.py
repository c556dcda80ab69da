"""The private calendar feed (read by icalendar and by vobject, an independent parser),
people's preferences, and the admin's mail settings: password write-only and sealed."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import vobject
from icalendar import Calendar
from sqlalchemy import select

from adapter.persistence.key_cipher import KeyCipher
from adapter.persistence.reminder_tables import mail_settings
from adapter.persistence.session_store import create_session
from adapter.services import mail_settings as settings_service
from adapter.services.admin_access import OPERATOR_SIGN_IN
from adapter.web.auth import SESSION_COOKIE

from .conftest import in_days


def _signed_in(team, name: str | None, roles=("learner",)):
    """A session of ``name`` launched from the team's LMS; None: a tool operator (CLI sign-in link)."""
    person = {"person_id": team.people[name], "platform_id": team.platform_id, "launch": {}} if name else {
        "person_id": None, "platform_id": None, "launch": {"signed_in_by": OPERATOR_SIGN_IN}}
    with team.engine.begin() as conn:
        token = create_session(conn, now=time.time(), lifetime=600, app_role=roles[0], app_roles=list(roles),
                               **person)
    client = team.app.test_client()
    client.set_cookie(SESSION_COOKIE, token, domain="localhost")
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_calendar_feed_parses_in_two_parsers_and_can_be_revoked(team, smtp):
    team.check_in(next_on=in_days(9))
    client = _signed_in(team, "ana")
    page = client.get("/notifications/").get_data(as_text=True)
    made = client.post("/notifications/feed", data={"csrf_token": _csrf(page)}).get_data(as_text=True)
    url = re.search(r'id="feed-url" readonly size="60" value="([^"]+)"', made).group(1)
    path = urlsplit(url).path
    body = client.get(path).get_data(as_text=True)

    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert event["DTSTART"].dt == in_days(9) and "Maria and Ana" in str(event["SUMMARY"])
    parsed = vobject.readOne(body)
    assert parsed.vevent.dtstart.value == in_days(9)
    assert parsed.vevent.uid.value == str(event["UID"])
    assert "SECRET-PRIVATE-NOTE" not in body

    client.post("/notifications/feed/revocation", data={"csrf_token": _csrf(page)})
    assert client.get(path).status_code == 404
    assert team.app.test_client().get("/mail/calendar/not-a-token.ics").status_code == 404


def test_a_person_turns_kinds_off_on_their_page(team, smtp):
    client = _signed_in(team, "ana")
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'name="validation_decided" value="1" checked' in page
    assert client.post("/notifications/", data={"csrf_token": _csrf(page), "check_in_invitation": "1"},
                       follow_redirects=True).status_code == 200
    assert client.post("/notifications/", data={}).status_code == 403  # no CSRF token, nothing changes
    request = team.ask_validation()
    team.decide(request.id)
    team.check_in(next_on=in_days(3))
    team.drain()
    assert sorted(m["Subject"].split(" on ")[0] for m in smtp.messages if m["To"].startswith("Ana")) == ["Check-in"]


def test_admin_settings_keep_the_password_sealed_and_unseen(team, smtp):
    cipher = KeyCipher("x" * 40)
    settings_service.save(team.engine, {"host": "127.0.0.1", "port": str(smtp.port), "security": "none",
                                        "username": "mailer", "password": "s3cret-pass",
                                        "from_address": "coaching@example.org", "daily_cap": "5"}, cipher, time.time())
    with team.engine.connect() as conn:
        stored = conn.execute(select(mail_settings.c.password_sealed)).scalar()
    assert stored.startswith("fernet:") and "s3cret-pass" not in stored
    assert _signed_in(team, "maria", roles=("admin",)).get("/admin/mail").status_code == 403  # an LMS's admin
    admin = _signed_in(team, None, roles=("admin",))
    page = admin.get("/admin/mail").get_data(as_text=True)
    assert "currently set" in page and "s3cret-pass" not in page
    refused = admin.post("/admin/mail", data={"csrf_token": _csrf(page), "host": "smtp.example.org", "port": "99999",
                                              "security": "none", "from_address": "x@example.org"})
    assert refused.status_code == 400 and "SMTP port" in refused.get_data(as_text=True)
