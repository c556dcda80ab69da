"""A check-in planned with someone who is then erased is cancelled, whatever an LRS holds
of the conversation that planned it: the other person gets the cancellation once (mail and
METHOD:CANCEL, in their language), their calendar feed drops it, and no reminder for it
follows, while the conversation itself stays the learner's record. A new manager's pages
show it as no date planned (their rhythm counts from that conversation), and the erasure's
confirmation says how many check-ins it cancels. Delivered through a real
SMTP server (aiosmtpd), and in the LRS case after the statements reached a real ralph."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from adapter.domain.relationships import ManagerLink
from adapter.persistence import due_queries, lrs_store, people_store
from adapter.persistence.coaching_tables import audit_events, conversations
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


def _nadia_takes_ana_over(team, every_days: int | None = None) -> None:
    """Nadia becomes Ana's manager (imported), checking in every ``every_days`` if given."""
    with team.engine.begin() as conn:
        team.people["nadia"] = people_store.save_person(conn, team.platform_id, "sub-nadia", {
            "name": "Nadia", "email": "nadia@example.org"}, time.time())
        link_manager(conn, ManagerLink(team.people["ana"], team.people["nadia"]), "import", time.time())
        if every_days:
            due_queries.set_cadence(conn, team.people["nadia"], every_days, time.time())


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
    _nadia_takes_ana_over(team)  # the check-in Ana was told is cancelled is reminded to neither
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
    with team.engine.connect() as conn:  # the erasure's audit entry says what it cancelled, for the DPO
        (detail,) = conn.execute(select(audit_events.c.detail).where(audit_events.c.action == "person.erased")).scalars()
    assert detail["check_ins_cancelled"] == 1


def test_a_new_managers_pages_do_not_show_the_check_in_the_erasure_cancelled(team, smtp):
    team.check_in(next_on=in_days(2))
    _erase(team, "maria")
    _nadia_takes_ana_over(team)
    nadia = _signed_in(team, "nadia", roles=("manager",))
    team_page = nadia.get("/manager/").get_data(as_text=True)
    todo = nadia.get("/manager/todo").get_data(as_text=True)
    (ana,) = re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]*>Ana</a>.*?</tr>", team_page, re.S)
    assert 'data-label="Next check-in">not planned</td>' in ana
    assert "Check in with Ana" not in todo and "Nothing is waiting for you today." in todo


def test_the_erasures_confirmation_says_how_many_planned_check_ins_it_cancelled(team, smtp):
    team.check_in(next_on=in_days(2))
    admin = _signed_in(team, None, roles=("admin",))
    path = f"/admin/people/{team.people['maria']}/erase"
    told = {"en": "1 check-in planned with them: cancelled, and the other person told",
            "fr": "1 point d’étape prévu avec cette personne\u00a0: annulé, et l’autre personne prévenue",
            "de": "1 mit der Person geplanter Check-in: abgesagt, die andere Person benachrichtigt",
            "es": "1 reunión de seguimiento prevista con esta persona: cancelada, y la otra persona avisada"}
    for language, line in told.items():
        page = admin.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
        assert f"<li>{line}</li>" in page, language
    confirm = admin.get(path).get_data(as_text=True)
    done = admin.post(path, data={"csrf_token": _csrf(confirm), "confirm": "erase"}).get_data(as_text=True)
    assert "<h1>Erased</h1>" in done and f"<li>{told['en']}</li>" in done
    assert team.drain() >= 1 and any(m["To"].startswith("Ana") for m in smtp.catcher.wait_for(3))
    # Ana's own erasure then finds no check-in planned with her any more: no such line.
    again = admin.get(f"/admin/people/{team.people['ana']}/erase").get_data(as_text=True)
    assert "<h1>Erase" in again and "check-in planned with" not in again


def test_a_new_managers_rhythm_counts_from_the_conversation_whose_check_in_was_cancelled(team, smtp):
    team.check_in(held_on=in_days(-16), next_on=in_days(2))
    _erase(team, "maria")
    _nadia_takes_ana_over(team, every_days=14)
    todo = _signed_in(team, "nadia", roles=("manager",)).get("/manager/todo").get_data(as_text=True)
    assert "Check in with Ana" in todo and "overdue:" in todo  # held 16 days ago, every 14 days: 2 days late
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() >= 1 and team.drain() >= 1
    to_nadia = [m["Subject"] for m in smtp.catcher.wait_for(3) if m["To"].startswith("Nadia")]
    assert "Overdue check-in with Ana" in to_nadia, to_nadia
