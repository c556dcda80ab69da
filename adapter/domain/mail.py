"""Mail rules: the kinds of message, who controls them, their stable identity, the daily
cap, and what an SMTP server's answer means. Plain Python, no framework."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping

from .rules import ONE_OF, FormChecks, whole_number
from .translatable import N_


@dataclass(frozen=True)
class MessageKind:
    key: str
    title: str  # as a person's preferences page names it (English, marked N_: pages translate it)
    to: str  # who receives it, in plain words (likewise)


WEEKLY_DIGEST = "weekly_digest"  # it names the manager's learners: erasing one cancels it
KINDS = {k.key: k for k in (
    MessageKind("validation_requested", N_("A team member asks you to validate"), N_("managers")),
    MessageKind("validation_decided", N_("Your manager decided on your validation request"), N_("learners")),
    MessageKind("check_in_coming_up", N_("A check-in is coming up"), N_("managers and learners")),
    MessageKind("check_in_overdue", N_("A check-in is overdue"), N_("managers")),
    MessageKind(WEEKLY_DIGEST, N_("Weekly summary of what is due (only when something is)"), N_("managers")),
    MessageKind("action_due", N_("An agreed action is due"), N_("whoever owns the action")),
    MessageKind("check_in_invitation", N_("Calendar invitations for planned check-ins"), N_("managers and learners")),
)}
SECURITY = ("none", "starttls", "tls")
DEFAULT_DAILY_CAP = 10
ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def wanted(kind: str, preferences: Mapping[str, bool], defaults: Mapping[str, bool]) -> bool:
    """A person's own choice, else the organisation's default, else on."""
    if kind in preferences:
        return preferences[kind]
    return defaults.get(kind, True)


def message_id(event: str, recipient_id: int, domain: str) -> str:
    """One Message-ID per event and recipient, the same however often it is written or
    sent: a repeat is kept once in the outbox, and a receiving system that sees it twice
    (a send whose confirmation was lost) recognises it."""
    digest = hashlib.sha256(f"{event}|{recipient_id}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def next_day_start(moment: datetime) -> datetime:
    """When a message held back by the daily cap may go: the next UTC midnight."""
    return datetime.combine(moment.astimezone(timezone.utc).date() + timedelta(days=1), time(), timezone.utc)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def smtp_reply_is_permanent(code: int) -> bool:
    """5xx: the server refuses this message for good (dead letter with its reply);
    4xx and anything else: try again later."""
    return 500 <= code < 600


def check_settings(form: Mapping[str, str], has_password: bool) -> dict:
    """SMTP settings as typed on the admin page or the CLI, checked: every problem at once,
    each under its form field's name."""
    checks = FormChecks()
    host = (form.get("host") or "").strip()
    if not host or any(c.isspace() for c in host):
        checks.refuse("host", N_("SMTP host"), N_("%(field)s is required (a host name or address)"))
    port = whole_number(form.get("port"))
    if port is None or not 1 <= port <= 65535:
        checks.refuse("port", N_("SMTP port"), N_("%(field)s must be a number from 1 to 65535"))
    security = form.get("security") or ""
    if security not in SECURITY:
        checks.refuse("security", N_("Security"), ONE_OF, choices=", ".join(SECURITY))
    username = (form.get("username") or "").strip()
    if username and not (has_password or form.get("password")):
        checks.refuse("password", N_("Password"), N_("%(field)s is required with a username"))
    sender = (form.get("from_address") or "").strip()
    if not ADDRESS.match(sender):
        checks.refuse("from_address", N_("From address"), N_("%(field)s must be an email address"))
    cap = whole_number(form.get("daily_cap") or str(DEFAULT_DAILY_CAP))
    if cap is None or not 1 <= cap <= 1000:
        checks.refuse("daily_cap", N_("Daily cap"), N_("%(field)s must be a whole number from 1 to 1000"))
    checks.raise_if_broken()
    return {"host": host, "port": port, "security": security, "username": username,
            "from_address": sender, "daily_cap": cap}
