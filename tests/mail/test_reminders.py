"""Reminders computed by the worker's scan, delivered to a real SMTP server (aiosmtpd):
each kind once, none twice across repeated scans or several workers, none of a kind a
person unsubscribed from (through the one-click link the mail carries)."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select, update

from adapter.domain.due import end_of_week
from adapter.domain.relationships import ManagerLink
from adapter.persistence import people_store
from adapter.persistence.relationships_store import link_manager
from adapter.persistence.tables import outbox, outbox_payloads, people, resource_links
from adapter.services import coaching
from adapter.services.personal_data import Actor, erase_person_by_id
from adapter.services.reminders import SCAN_EVERY, ReminderScan

from .conftest import ACTIVITY_URL, PUBLIC_URL, in_days, today
from .test_mail_languages import choose


def _mail_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(outbox).where(outbox.c.channel == "mail")).scalar()


def test_each_reminder_arrives_once(team, smtp):
    team.ask_validation()
    team.check_in(next_on=in_days(2), due_on=in_days(1))  # coming up, an action due tomorrow
    assert team.drain() == 3  # the validation request and two invitations
    scan = ReminderScan(team.engine, PUBLIC_URL)
    assert scan.run_once() == 4  # check-in coming up (both), action due (Ana), Maria's digest
    assert scan.run_once() == 0  # not this worker's turn again yet
    later = ReminderScan(team.engine, PUBLIC_URL, clock=lambda: time.time() + SCAN_EVERY + 1)
    assert later.run_once() == 0  # its turn, but every reminder is queued already
    assert team.drain() == 4
    reminders = smtp.catcher.wait_for(7)[3:]
    by_to = {(m["To"].split()[0], m["Subject"]) for m in reminders}
    due = format_date(in_days(2), "long", locale="en")  # a recipient with no language of their own: English
    # Maria's digest: the validation, and the check-in and the action if they fall by Sunday
    # (on a Saturday the check-in is next week's; on a Sunday the action too)
    things = 1 + (in_days(2) <= end_of_week(today())) + (in_days(1) <= end_of_week(today()))
    assert by_to == {("Maria", f"Check-in on {due}"), ("Ana", f"Check-in on {due}"),
                     ("Ana", f"Action due {format_date(in_days(1), 'long', locale='en')}"),
                     ("Maria", f"Your team this week: {things} thing{'' if things == 1 else 's'} due")}
    digest = next(m for m in reminders if "this week" in m["Subject"])
    text = digest.get_body(("plain",)).get_content()
    assert "Ana waits for your validation" in text and "SECRET-PRIVATE-NOTE" not in text
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in reminders)
    coming_up = next(m for m in reminders if m["Subject"].startswith("Check-in on"))
    assert ACTIVITY_URL in coming_up.get_body(("plain",)).get_content()  # into the LMS, not a sign-in link


def test_an_overdue_check_in_is_reminded_to_the_manager(team, smtp):
    team.check_in(held_on=today() - timedelta(days=10), next_on=today() - timedelta(days=1))
    team.drain()
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 2  # overdue + digest, both Maria's
    team.drain()
    subjects = {m["Subject"] for m in smtp.messages if m["To"].startswith("Maria")}
    assert {"Overdue check-in with Ana", "Your team this week: 1 thing due"} <= subjects


def test_an_instructors_course_rhythm_makes_a_check_in_due(team, smtp):
    with team.engine.begin() as conn:
        conn.execute(update(resource_links).where(resource_links.c.id == team.link)
                     .values(custom={"kind": "check_in", "check_in_every_weeks": "1"}))
    team.check_in(held_on=today() - timedelta(days=9))  # planned no date: the course's weekly rhythm applies
    team.drain()
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 2  # overdue since 2 days ago, and the digest
    team.drain()
    assert "Overdue check-in with Ana" in {m["Subject"] for m in smtp.messages}


def test_workers_scanning_at_once_queue_each_reminder_once(team, smtp):
    team.check_in(next_on=in_days(1))
    before = _mail_rows(team.engine)
    moment = time.time()
    counts: list[int] = []
    scans = [ReminderScan(team.engine, PUBLIC_URL, clock=lambda: moment) for _ in range(3)]
    threads = [threading.Thread(target=lambda s=s: counts.append(s.run_once())) for s in scans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 3]  # one worker took the turn: coming up (both) and the digest
    assert _mail_rows(team.engine) == before + 3


def test_one_click_unsubscribe_stops_that_kind_only(team, smtp, caplog):
    request = team.ask_validation()
    team.decide(request.id)
    team.drain()
    decided = next(m for m in smtp.catcher.wait_for(2) if m["To"].startswith("Ana"))
    link = decided["List-Unsubscribe"].strip("<>").removeprefix(PUBLIC_URL)
    client = team.app.test_client()
    caplog.set_level(logging.INFO, logger="coachbridge.requests")
    assert "Stop these emails?" in client.get(link).get_data(as_text=True)  # a GET changes nothing
    answer = client.post(link, data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and "You are unsubscribed" in answer.get_data(as_text=True)
    assert client.post(link.replace("/validation_decided/", "/no_such_kind/")).status_code == 404
    token = link.rsplit("/", 1)[1]
    logged = [getattr(r, "path", "") for r in caplog.records]
    assert "/mail/unsubscribe/validation_decided/[redacted]" in logged and not any(token in p for p in logged)

    again = team.ask_validation("More evidence: the team now runs it without me")
    team.decide(again.id, "validated", "")
    team.check_in(next_on=in_days(5))
    team.drain()
    to_ana = [m["Subject"] for m in smtp.messages if m["To"].startswith("Ana")]
    assert sum("Your validation request" in s for s in to_ana) == 1  # only the one before unsubscribing
    assert any(s.startswith("Check-in on") for s in to_ana)  # invitations still come


def _pending_mail_to(engine, person_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(outbox.c.source).where(
            outbox.c.channel == "mail", outbox.c.status == "pending",
            outbox.c.source.like(f"% to person {person_id}%"))).scalars())


def test_an_erasure_cancels_the_queued_digests_to_them_and_naming_them(team, smtp):
    team.ask_validation()
    team.drain()
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 1  # Maria's digest: "Ana waits for your validation"
    assert [s.split()[0] for s in _pending_mail_to(team.engine, team.people["maria"])] == ["weekly_digest"]
    erase_person_by_id(team.engine, team.platform_id, team.people["ana"], Actor(None, "test"), time.time())
    assert _pending_mail_to(team.engine, team.people["maria"]) == []  # it named Ana: cancelled, not sent
    later = ReminderScan(team.engine, PUBLIC_URL, clock=lambda: time.time() + SCAN_EVERY + 1)
    assert later.run_once() == 0  # nothing left due for Maria: no digest again
    assert team.drain() == 0 and all("Ana" not in m.as_string() for m in smtp.messages[1:])


def test_a_digest_cancelled_by_an_erasure_is_written_again_without_them(team, smtp):
    """Maria's digest names Ana and Bo; erasing Ana cancels it, and the next scan writes
    the week's digest again, about Bo only (the same week's digest is otherwise kept once)."""
    with team.engine.begin() as conn:
        team.people["bo"] = people_store.save_person(conn, team.platform_id, "sub-bo", {
            "name": "Bo", "email": "bo@example.org"}, time.time())
        link_manager(conn, ManagerLink(team.people["bo"], team.people["maria"]), "import", time.time())
    team.ask_validation()
    coaching.ask_for_validation(team.engine, team.viewer("bo"), team.link, "Used it with a client", time.time())
    assert team.drain() == 2
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 1
    erase_person_by_id(team.engine, team.platform_id, team.people["ana"], Actor(None, "test"), time.time())
    later = ReminderScan(team.engine, PUBLIC_URL, clock=lambda: time.time() + SCAN_EVERY + 1)
    assert later.run_once() == 1
    assert ReminderScan(team.engine, PUBLIC_URL, clock=lambda: time.time() + 2 * SCAN_EVERY + 2).run_once() == 0
    assert team.drain(clock=lambda: time.time() + 2 * SCAN_EVERY + 3) == 1  # written as of the later scan
    digest = smtp.catcher.wait_for(3)[-1]
    text = digest.get_body(("plain",)).get_content()
    assert digest["To"].startswith("Maria") and "Bo waits for your validation" in text and "Ana" not in text


def test_a_sent_digest_naming_an_erased_learner_keeps_no_copy(team, smtp):
    team.ask_validation()
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 1  # Maria's digest: "Ana waits for your validation"
    assert team.drain() == 2
    erase_person_by_id(team.engine, team.platform_id, team.people["ana"], Actor(None, "test"), time.time())
    with team.engine.connect() as conn:
        digests = conn.execute(select(outbox.c.status, outbox_payloads.c.payload).select_from(
            outbox.outerjoin(outbox_payloads, outbox_payloads.c.id == outbox.c.id)).where(
            outbox.c.source.like("weekly_digest %"))).all()
    assert [tuple(row) for row in digests] == [("delivered", None)]


def test_a_managers_erasure_cancels_their_queued_digest(team, smtp):
    team.ask_validation()
    team.drain()
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 1
    erase_person_by_id(team.engine, team.platform_id, team.people["maria"], Actor(None, "test"), time.time())
    assert _pending_mail_to(team.engine, team.people["maria"]) == []
    assert team.drain() == 0


@pytest.mark.parametrize("locale, agreed_with", [
    (None, "An action you agreed with Name removed is due on"),
    ("fr", "Une action convenue avec Nom supprimé arrive à échéance le")])
def test_an_action_reminder_names_an_erased_manager_in_words_not_by_pseudonym(team, smtp, locale, agreed_with):
    """Maria agreed the action with Ana, then was erased: the action stays Ana's, and its
    reminder says "Name removed" in Ana's language where it named Maria."""
    team.check_in(due_on=in_days(1))
    erase_person_by_id(team.engine, team.platform_id, team.people["maria"], Actor(None, "test"), time.time())
    with team.engine.connect() as conn:
        pseudonym = conn.execute(select(people.c.sub).where(people.c.id == team.people["maria"])).scalar_one()
    if locale:
        choose(team, "ana", locale)
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() == 1  # Ana's; Maria has no address left
    assert team.drain() == 1
    (reminder,) = smtp.catcher.wait_for(1)
    bodies = [reminder.get_body((kind,)).get_content() for kind in ("plain", "html")]
    assert reminder["To"].startswith("Ana") and all(agreed_with in body for body in bodies)
    assert all(pseudonym not in body for body in bodies) and pseudonym not in reminder.as_string()
