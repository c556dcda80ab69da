"""Planned check-ins as iCalendar (RFC 5545, with the ``icalendar`` library): an invitation
per plan (METHOD:REQUEST, updated with a higher SEQUENCE, METHOD:CANCEL when withdrawn)
and each person's private feed of upcoming check-ins.

One plan per manager and learner: its UID never changes, so a calendar that received the
invitation moves or cancels the same event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar, Event, vCalAddress, vText

from adapter.domain.source_text import Translate, english
from adapter.domain.translatable import N_

from .mail_messages import Text

PRODID = "-//coachbridge//check-ins//EN"


@dataclass(frozen=True)
class PlannedCheckIn:
    plan_id: int
    planned_on: date
    sequence: int
    cancelled: bool
    manager: dict  # {"name", "email"}
    learner: dict
    url: str = ""  # where the activity lives in the LMS, when known


def uid(plan_id: int, domain: str) -> str:
    return f"check-in-plan-{plan_id}@{domain}"


def _event(plan: PlannedCheckIn, domain: str, stamp: datetime, organizer_address: str,
           translate: Translate = english) -> Event:
    event = Event()
    event.add("uid", uid(plan.plan_id, domain))
    event.add("sequence", plan.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", plan.planned_on)  # an all-day event: the day agreed, the hour is theirs to pick
    event.add("dtend", plan.planned_on + timedelta(days=1))
    event.add("summary", translate(N_("Check-in: %(manager)s and %(learner)s"), manager=_name(plan.manager, translate),
                                   learner=_name(plan.learner, translate)))
    event.add("description", translate(N_("The next check-in you agreed in coachbridge. Your activity: %(url)s"),
                                       url=plan.url) if plan.url
              else translate(N_("The next check-in you agreed in coachbridge.")))
    if plan.url:
        event.add("url", plan.url)
    event.add("status", "CANCELLED" if plan.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    organizer = vCalAddress(f"mailto:{organizer_address}")
    organizer.params["cn"] = vText("coachbridge")
    event.add("organizer", organizer)
    for person in (plan.manager, plan.learner):
        if person.get("email"):
            attendee = vCalAddress(f"mailto:{person['email']}")
            attendee.params["cn"] = vText(_name(person, translate))
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee)
    return event


def _name(person: dict, translate: Translate) -> str:
    """What the reader calls them: an erased person's name is mail's Text (people.shown_name)."""
    name = person["name"]
    return translate(name.msgid, **name.values) if isinstance(name, Text) else name


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def invitation(plan: PlannedCheckIn, domain: str, organizer_address: str, now: float,
               translate: Translate = english) -> str:
    """METHOD:REQUEST for a planned check-in, METHOD:CANCEL for a withdrawn one; its words
    in ``translate``'s language (the recipient's)."""
    calendar = _calendar("CANCEL" if plan.cancelled else "REQUEST")
    calendar.add_component(_event(plan, domain, datetime.fromtimestamp(now, timezone.utc), organizer_address,
                                  translate))
    return calendar.to_ical().decode()


def feed(plans: list[PlannedCheckIn], domain: str, organizer_address: str, now: float) -> bytes:
    """A subscribable calendar (no METHOD) of the upcoming check-ins."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", "coachbridge check-ins")
    stamp = datetime.fromtimestamp(now, timezone.utc)
    for plan in plans:
        calendar.add_component(_event(plan, domain, stamp, organizer_address))
    return calendar.to_ical()
