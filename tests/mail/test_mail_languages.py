"""Each email and calendar invitation is written in its recipient's language (their own
choice, else their platform's default, else English), whoever caused it and wherever it is
composed: in the record's transaction or by the worker's reminder scan, outside any web
request. Delivered through a real SMTP server (aiosmtpd) and read back from it.

The French test does not spell French it did not write: it asks the French catalog what it
says for each text and CLDR how a French date reads; the pseudo-locale test shows the words
were translated at all (the accented pseudo-locale, generated from the template)."""
from __future__ import annotations

import time
from email.message import EmailMessage

import pytest
from babel import Locale
from babel.dates import format_date
from babel.support import Translations
from icalendar import Calendar

from adapter import translations as catalogs
from adapter.persistence import locale_store, mail_store
from adapter.services.calendar import PlannedCheckIn, invitation
from adapter.services.mail_messages import Language, Text
from adapter.services.personal_data import Actor, erase_person_by_id
from adapter.services.reminders import ReminderScan
from adapter.translations.pseudo import ACCENTED, pseudo_text

from .conftest import PUBLIC_URL, in_days
from .test_calendar_and_settings import _csrf, _signed_in


def choose(team, name: str, locale: str) -> None:
    with team.engine.begin() as conn:
        locale_store.save_choice(conn, team.people[name], locale, "", time.time())


def to(messages: list[EmailMessage], name: str) -> list[EmailMessage]:
    return [m for m in messages if m["To"].startswith(name.capitalize())]


def test_a_reminder_from_the_worker_is_written_in_the_recipients_french(team, smtp):
    choose(team, "ana", "fr")
    team.check_in(next_on=in_days(2))
    assert ReminderScan(team.engine, PUBLIC_URL).run_once() >= 1  # no app, no request: the worker's scan
    team.drain()
    french = Translations.load(str(catalogs.compiled_directory()), ["fr"], catalogs.DOMAIN)
    day = in_days(2)
    reminder = next(m for m in to(smtp.catcher.wait_for(4), "ana") if not m.is_multipart()
                    or not any(p.get_content_type() == "text/calendar" for p in m.walk()))
    assert reminder["Subject"] == french.gettext("Check-in on %(day)s") % {"day": format_date(day, "long", locale="fr")}
    assert format_date(day, "long", locale="fr") != format_date(day, "long", locale="en")  # the date is French
    text = reminder.get_body(("plain",)).get_content()
    assert french.gettext("Hello %(name)s,") % {"name": "Ana"} in text
    html = reminder.get_body(("html",)).get_content()
    assert '<html lang="fr">' in html


@pytest.mark.parametrize("team", [{"COACHBRIDGE_PSEUDO_LOCALES": "1"}], indirect=True)
def test_an_invitation_speaks_each_recipients_language(team, smtp):
    choose(team, "ana", ACCENTED)  # Maria chose nothing: English
    team.check_in(next_on=in_days(3))
    team.drain()
    ana, maria = (to(smtp.catcher.wait_for(2), name)[0] for name in ("ana", "maria"))
    day = in_days(3)
    assert ana["Subject"] == pseudo_text("Check-in on %(day)s") % {
        "day": format_date(day, "long", locale=Locale.parse(ACCENTED))}
    assert maria["Subject"] == f"Check-in on {format_date(day, 'long', locale='en')}"
    assert pseudo_text("The activity in your LMS") not in maria.get_body(("plain",)).get_content()
    invite = next(p for p in ana.walk() if p.get_content_type() == "text/calendar")
    event = Calendar.from_ical(invite.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == pseudo_text("Check-in: %(manager)s and %(learner)s") % {
        "manager": "Maria", "learner": "Ana"}


@pytest.mark.parametrize("team", [{"COACHBRIDGE_PSEUDO_LOCALES": "1"}], indirect=True)
def test_the_platforms_default_language_serves_who_chose_none(team, smtp):
    with team.engine.begin() as conn:
        locale_store.save_platform_default(conn, team.platform_id, ACCENTED, time.time())
    team.ask_validation()
    team.drain()
    [request] = smtp.catcher.wait_for(1)
    assert request["Subject"] == pseudo_text("%(learner)s asks you to validate applied learning") % {"learner": "Ana"}
    assert pseudo_text("Their evidence:") in request.get_body(("plain",)).get_content()


@pytest.mark.parametrize("team", [{"COACHBRIDGE_PSEUDO_LOCALES": "1"}], indirect=True)
def test_the_admins_test_message_speaks_the_admins_language(team, smtp):
    operator = _signed_in(team, None, roles=("admin",))
    page = operator.get("/admin/mail", headers={"Accept-Language": ACCENTED}).get_data(as_text=True)
    answer = operator.post("/admin/mail/test", data={"csrf_token": _csrf(page), "address": "ops@example.org"},
                           headers={"Accept-Language": ACCENTED})
    assert answer.status_code == 200
    [message] = smtp.catcher.wait_for(1)
    assert message["Subject"] == pseudo_text("coachbridge test message")
    assert pseudo_text("This is a test message from coachbridge: mail is set up.") in \
        message.get_body(("plain",)).get_content()


def test_the_digest_subject_takes_the_french_plural_form_of_its_count(team, smtp):
    choose(team, "maria", "fr")
    team.check_in(held_on=in_days(-10), next_on=in_days(-1))  # overdue: one thing in Maria's digest
    team.drain()
    ReminderScan(team.engine, PUBLIC_URL).run_once()
    team.drain()
    french = Translations.load(str(catalogs.compiled_directory()), ["fr"], catalogs.DOMAIN)
    one, many = (french.ngettext("Your team this week: %(num)d thing due", "Your team this week: %(num)d things due",
                                 n) % {"num": n} for n in (1, 3))
    assert one != many  # the catalog has the forms (the singular is not the plural with a number)
    assert one in {m["Subject"] for m in to(smtp.messages, "maria")}



def test_an_invitation_names_an_erased_person_in_its_recipients_words(team, smtp):
    """A plan's manager erased: their contact's name is Text, and the invitation written for a
    French recipient says "Nom supprimé" where it named them, not the pseudonym."""
    erase_person_by_id(team.engine, team.platform_id, team.people["maria"], Actor(None, "test"), time.time())
    with team.engine.connect() as conn:
        maria, ana = (mail_store.contact(conn, team.people[name], Text) for name in ("maria", "ana"))
    plan = PlannedCheckIn(7, in_days(3), 1, True, maria, ana)
    french = Language("fr")
    ics = invitation(plan, "coachbridge.test", "coaching@example.org", time.time(), french.gettext)
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == french.gettext("Check-in: %(manager)s and %(learner)s", manager="Nom supprimé",
                                                   learner="Ana")
    assert "erased-" not in ics
