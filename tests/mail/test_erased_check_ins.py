"""A check-in planned with someone who is then erased is cancelled, whatever an LRS holds
of the conversation that planned it: the other person gets the cancellation once (mail and
METHOD:CANCEL, in their language), their calendar feed drops it, and no reminder for it
follows, while the conversation itself stays the learner's record. Delivered through a real
SMTP server (aiosmtpd), and in the LRS case after the statements reached a real ralph."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from adapter.domain.relationships import ManagerLink
from adapter.persistence import lrs_store, people_store
from adapter.persistence.coaching_tables import conversations
from adapter.persistence.relationships_store import link_manager
from adapter.persistence.tables import outbox, people
from adapter.services.mail_messages import Language
from adapter.services.personal_data import Actor, erase_person_by_id
from adapter.services.reminders import ReminderScan
from adapter.worker import default_jobs, drain

from .conftest import PUBLIC_URL, in_days
from .test_calendar_and_settings import _csrf, _signed_in
from .test_mail_delivery import _parts
from .test_mail_languages import choose


@pytest.fixture(params=["no LRS", "an LRS holds it"])
def lrs_holds(request, team) -> bool:
    """Whether an LRS (a real ralph) received the conversation's statements before the erasure."""
    if request.param == "no LRS":
        return False
    ralph = request.getfixturevalue("ralph")
    settings = {"platform_id": team.platform_id, "endpoint": ralph.endpoint, "auth_kind": "basic",
                "username": ralph.username, "token_url": "", "client_id": "", "scope": "", "xapi_version": "1.0.3",
                "batch_size": 100}
    with team.engine.begin() as conn:
        lrs_store.add_endpoint(conn, "ralph", settings, ralph.password, time.time(), set_by_operator=True)
    return True


def _deliver_everything(team) -> int:
    return drain(default_jobs(team.engine, None))


def _erase(team, name: str) -> str:
    """Erase ``name``; the pseudonym left on their row."""
    assert erase_person_by_id(team.engine, team.platform_id, team.people[name], Actor(None, "test"), time.time()).erased
    with team.engine.connect() as conn:
        return conn.execute(select(people.c.sub).where(people.c.id == team.people[name])).scalar_one()


def _feed_events(team, name: str) -> list:
    client = _signed_in(team, name)
    page = client.get("/notifications/").get_data(as_text=True)
    made = client.post("/notifications/feed", data={"csrf_token": _csrf(page)}).get_data(as_text=True)
    url = re.search(r'id="feed-url" readonly size="60" value="([^"]+)"', made).group(1)
    return Calendar.from_ical(client.get(urlsplit(url).path).get_data(as_text=True)).walk("VEVENT")


def test_an_erased_managers_planned_check_in_is_cancelled_for_the_learner_once(team, smtp, lrs_holds):
    choose(team, "ana", "fr")
    held = team.check_in(next_on=in_days(2))
    _deliver_everything(team)
    invited = smtp.catcher.wait_for(2)
    if lrs_holds:
        with team.engine.connect() as conn:
            assert "delivered" in set(conn.execute(select(outbox.c.status).where(
                outbox.c.channel == "xapi", outbox.c.source.like(f"check_in {held.id} v%"))).scalars())

    pseudonym = _erase(team, "maria")
    assert _deliver_everything(team) >= 1
    (cancellation,) = smtp.catcher.wait_for(3)[2:]  # Ana's; Maria has no address left
    french = Language("fr")
    calendar = Calendar.from_ical(_parts(cancellation)["text/calendar"])
    (event,) = calendar.walk("VEVENT")
    first = Calendar.from_ical(_parts(next(m for m in invited if m["To"].startswith("Ana")))["text/calendar"])
    assert cancellation["To"].startswith("Ana") and str(calendar["METHOD"]) == "CANCEL"
    assert cancellation["Subject"].startswith(french.gettext("Cancelled: check-in on %(day)s").split("%(day)s")[0])
    assert str(event["UID"]) == str(first.walk("VEVENT")[0]["UID"]) and event["DTSTART"].dt == in_days(2)
    assert str(event["SUMMARY"]) == french.gettext("Check-in: %(manager)s and %(learner)s", manager="Nom supprimé",
                                                   learner="Ana")
    assert pseudonym not in cancellation.as_string()

    assert _feed_events(team, "ana") == []
    with team.engine.connect() as conn:  # the conversation stays Ana's record, date and all
        kept = conn.execute(select(conversations.c.next_on, conversations.c.withdrawn_at)
                            .where(conversations.c.id == held.id)).one()
    assert tuple(kept) == (in_days(2), None)
    # Nadia takes Ana over: the check-in Ana was told is cancelled is reminded to neither.
    with team.engine.begin() as conn:
        nadia = people_store.save_person(conn, team.platform_id, "sub-nadia", {
            "name": "Nadia", "email": "nadia@example.org"}, time.time())
        link_manager(conn, ManagerLink(team.people["ana"], nadia), "import", time.time())
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 0
    assert not erase_person_by_id(team.engine, team.platform_id, team.people["maria"], Actor(None, "test"),
                                  time.time()).erased
    assert _deliver_everything(team) == 0 and len(smtp.messages) == 3  # told once


def test_an_erased_learners_planned_check_in_is_cancelled_for_the_manager(team, smtp):
    team.check_in(next_on=in_days(5))
    assert team.drain() == 2
    pseudonym = _erase(team, "ana")
    assert team.drain() == 1
    (cancellation,) = smtp.catcher.wait_for(3)[2:]
    (event,) = Calendar.from_ical(_parts(cancellation)["text/calendar"]).walk("VEVENT")
    assert cancellation["To"].startswith("Maria") and str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Check-in: Maria and Name removed" and pseudonym not in cancellation.as_string()
    assert _feed_events(team, "maria") == []
