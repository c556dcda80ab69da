"""Mail through the outbox to a real SMTP server (aiosmtpd): each message once, with its
headers and parts; an outage delays and loses none; 4xx retried, 5xx dead-lettered."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from aiosmtpd.smtp import AuthResult
from icalendar import Calendar
from sqlalchemy import select

from adapter.demo.mail import SmtpServer
from adapter.persistence import people_store
from adapter.persistence.key_cipher import KeyCipher
from adapter.persistence.outbox_store import dead_messages, queue_status
from adapter.persistence.tables import outbox, outbox_payloads
from adapter.services import coaching, mail_settings
from adapter.services.mail_delivery import MailDelivery
from adapter.services.personal_data import Actor, erase_person_by_id
from tests.xapi.xapi_fault_lrs import self_signed_tls
from xapi.backoff import RetryPolicy

from .conftest import ACTIVITY_URL, PUBLIC_URL, configure_mail, in_days


def _parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def test_validation_mails_arrive_once_with_headers_and_parts(team, smtp):
    request = team.ask_validation()
    assert team.drain() == 1
    team.decide(request.id)
    assert team.drain() == 1
    assert team.drain() == 0
    asked, decided = smtp.catcher.wait_for(2)
    assert asked["To"] == "Maria <maria@example.org>" and asked["From"] == "coachbridge <coaching@example.org>"
    assert "Ana asks you to validate" in asked["Subject"]
    parts = _parts(asked)
    assert "Ran the retro with SBI" in parts["text/plain"] and ACTIVITY_URL in parts["text/plain"]
    assert f'href="{ACTIVITY_URL}"' in parts["text/html"]
    assert decided["To"] == "Ana <ana@example.org>" and "needs more evidence" in decided["Subject"]
    assert "Tell me what changed" in _parts(decided)["text/plain"]
    for message in (asked, decided):
        assert message["Message-ID"].endswith("@coachbridge.test>")
        assert message["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/mail/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated"
    assert asked["Message-ID"] != decided["Message-ID"]


def test_planned_check_in_is_invited_updated_and_cancelled(team, smtp):
    team.check_in(next_on=in_days(14))
    assert team.drain() == 2  # manager and learner
    moved = team.check_in(next_on=in_days(21))  # a later conversation moves the date
    assert team.drain() == 2
    coaching.withdraw_conversation(team.engine, team.viewer("maria", ("manager",)), moved.id, time.time())
    assert team.drain() == 2
    messages = smtp.catcher.wait_for(6)
    assert len(messages) == 6
    calendars = [Calendar.from_ical(_parts(m)["text/calendar"]) for m in messages]
    methods = [str(c["METHOD"]) for c in calendars]
    assert methods == ["REQUEST"] * 4 + ["CANCEL"] * 2
    events = [c.walk("VEVENT")[0] for c in calendars]
    assert len({str(e["UID"]) for e in events}) == 1  # one plan, one event in every calendar
    assert [int(e["SEQUENCE"]) for e in events] == [0, 0, 1, 1, 2, 2]
    assert events[2]["DTSTART"].dt == in_days(21)
    assert {m["To"] for m in messages[:2]} == {"Maria <maria@example.org>", "Ana <ana@example.org>"}
    assert all(m.get_content_type() == "multipart/mixed" for m in messages)  # with invite.ics attached
    assert all("SECRET-PRIVATE-NOTE" not in m.as_string() for m in messages)


def test_an_outage_delays_mail_and_loses_none(team, smtp):
    smtp.stop()
    team.ask_validation()
    job = team.delivery()
    assert job.run_once() == 0
    [status] = [q for q in queue_status(team.engine, time.time()) if q.channel == "mail"]
    assert status.pending == 1 and status.delivered == 0
    smtp.start()
    time.sleep(0.05)  # past the (test-short) backoff
    assert team.drain() == 1
    assert len(smtp.catcher.wait_for(1)) == 1


def test_4xx_is_retried_and_5xx_dead_lettered_with_the_server_reply(team, smtp):
    smtp.refuse("451 4.3.0 Try again later", "550 5.1.1 Mailbox unavailable")
    team.ask_validation()
    assert team.delivery().run_once() == 0  # 451: kept for later
    time.sleep(0.05)
    assert team.delivery().run_once() == 1  # 550: dead
    dead = [d for d in dead_messages(team.engine) if d["channel"] == "mail"]
    assert len(dead) == 1 and "550 5.1.1 Mailbox unavailable" in dead[0]["last_error"]
    assert smtp.messages == []


def test_the_daily_cap_holds_mail_until_tomorrow(team, smtp):
    configure_mail(team.engine, smtp.port, daily_cap=1)
    request = team.ask_validation()
    team.decide(request.id)
    team.check_in(next_on=in_days(7))  # two invitations: Ana would get her second mail today
    assert team.drain() == 2  # Maria's request and Ana's decision; Ana's and Maria's invitations wait
    assert {m["To"] for m in smtp.catcher.wait_for(2)} == {"Maria <maria@example.org>", "Ana <ana@example.org>"}
    [status] = [q for q in queue_status(team.engine, time.time()) if q.channel == "mail"]
    assert status.pending == 2
    tomorrow = datetime.now(timezone.utc).timestamp() + 86400
    assert team.drain(clock=lambda: tomorrow) == 2


def test_starttls_and_sign_in_with_the_sealed_password(team, tmp_path, monkeypatch):
    context, certificate = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", certificate)  # the client trusts this server's certificate

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.login == b"mailer" and auth_data.password == b"s3cret pass")

    server = SmtpServer(tls_context=context, require_starttls=True, authenticator=authenticator,
                        auth_require_tls=True).start()
    cipher = KeyCipher("k" * 40)
    try:
        form = {"host": "127.0.0.1", "port": str(server.port), "security": "starttls", "username": "mailer",
                "from_address": "coaching@example.org", "daily_cap": "10"}
        mail_settings.save(team.engine, {**form, "password": "wrong"}, cipher, time.time())
        team.ask_validation()
        # aiosmtpd 1.4 leaves a refused AUTH PLAIN unanswered for longer than a test should wait
        # (seen with smtplib's debug output): a short timeout; refused or timed out, the mail waits.
        job = MailDelivery(team.engine, cipher, policy=RetryPolicy(base=0.01, cap=0.02), timeout=2)
        assert job.run_once() == 0
        [status] = [q for q in queue_status(team.engine, time.time()) if q.channel == "mail"]
        assert status.pending == 1
        mail_settings.save(team.engine, {**form, "password": "s3cret pass"}, cipher, time.time())
        time.sleep(0.05)
        assert job.run_once() == 1
        [message] = server.catcher.wait_for(1)
        assert message["To"] == "Maria <maria@example.org>"
    finally:
        server.stop()


def test_erasing_a_learner_cancels_mail_to_or_about_them_and_keeps_no_copy(team, smtp):
    team.ask_validation("Evidence that names Ana")  # to Maria, about Ana
    erase_person_by_id(team.engine, team.platform_id, team.people["ana"], Actor(None, "command line"), time.time())
    assert team.drain() == 0
    with team.engine.connect() as conn:
        mail = conn.execute(select(outbox.c.id, outbox.c.status).where(outbox.c.channel == "mail")).all()
        kept = conn.execute(select(outbox_payloads.c.payload).where(
            outbox_payloads.c.id.in_([row_id for row_id, _ in mail]))).all()
    assert [status for _, status in mail] == ["cancelled"] and kept == []
    assert smtp.messages == []


def test_erasing_a_manager_cancels_mail_to_their_learners_naming_them_and_keeps_no_copy(team, smtp):
    """The learner's mail that names the manager (the decision, the invitation with the
    manager's address, a reminder) is about the manager too: unsent, it is cancelled; sent,
    no copy is kept."""
    asked = team.ask_validation()
    assert team.drain() == 1  # to Maria: sent, its copy names Ana only
    team.decide(asked.id)  # to Ana, from Maria: sent before the erasure
    assert team.drain() == 1
    team.check_in(next_on=in_days(2))  # the invitation to both, waiting
    erase_person_by_id(team.engine, team.platform_id, team.people["maria"], Actor(None, "command line"), time.time())
    assert team.drain() == 1  # Ana is told the check-in she agreed is cancelled, Maria named in words only
    with team.engine.connect() as conn:
        mail = conn.execute(select(outbox.c.source, outbox.c.status, outbox_payloads.c.payload).select_from(
            outbox.outerjoin(outbox_payloads, outbox_payloads.c.id == outbox.c.id)).where(
            outbox.c.channel == "mail").order_by(outbox.c.id)).all()
    assert [(source.split()[0], status, payload is not None) for source, status, payload in mail] == [
        ("validation_requested", "delivered", False), ("validation_decided", "delivered", False),
        ("check_in_invitation", "cancelled", False), ("check_in_invitation", "cancelled", False),
        ("check_in_invitation", "delivered", True)]  # the cancellation: Maria in it only as "Name removed"
    assert "maria" not in str(mail[-1].payload).lower() and "erased-" not in str(mail[-1].payload)
    assert all("maria" not in m.as_string().lower() for m in smtp.messages[2:])


def test_an_activity_without_a_title_is_named_as_the_pages_name_it(team, smtp):
    """Open edX launches a link by id only: the mail calls it what every page does."""
    with team.engine.begin() as conn:
        untitled = people_store.save_resource_link(conn, team.platform_id, "d1", {"id": "block-v1:x"},
                                                   people_store.context_of_link(conn, team.link), {})
    coaching.ask_for_validation(team.engine, team.viewer("ana"), untitled, "Used it twice", time.time())
    assert team.drain() == 1
    (asked,) = smtp.catcher.wait_for(1)
    assert f"applied Untitled activity {untitled} on the job" in " ".join(_parts(asked)["text/plain"].split())


def test_an_undone_withdrawal_invites_again_to_the_same_event_with_a_higher_sequence(team, smtp):
    manager = team.viewer("maria", ("manager",))
    held = team.check_in(next_on=in_days(14))
    coaching.withdraw_conversation(team.engine, manager, held.id, time.time())
    coaching.undo_withdrawal(team.engine, manager, "conversation", held.id, time.time())
    assert team.drain() == 6  # invited, cancelled, invited again: each to both
    calendars = [Calendar.from_ical(_parts(m)["text/calendar"]) for m in smtp.catcher.wait_for(6)]
    assert [str(c["METHOD"]) for c in calendars] == ["REQUEST"] * 2 + ["CANCEL"] * 2 + ["REQUEST"] * 2
    events = [c.walk("VEVENT")[0] for c in calendars]
    assert len({str(e["UID"]) for e in events}) == 1  # the event they have, back: not a second one
    assert [int(e["SEQUENCE"]) for e in events] == [0, 0, 1, 1, 2, 2]
    assert events[-1]["DTSTART"].dt == in_days(14)


def test_an_undone_withdrawal_leaves_a_date_a_later_conversation_planned(team, smtp):
    manager = team.viewer("maria", ("manager",))
    first = team.check_in(next_on=in_days(14))
    coaching.withdraw_conversation(team.engine, manager, first.id, time.time())
    team.check_in(next_on=in_days(21))  # planned again since: that date stands
    assert team.drain() == 6
    coaching.undo_withdrawal(team.engine, manager, "conversation", first.id, time.time())
    assert team.drain() == 0  # nothing to tell: the calendar already shows the later date
