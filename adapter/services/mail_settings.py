"""Use cases of the mail settings (admin page and CLI): SMTP server, sender, daily cap,
the organisation's defaults per kind, and a test message.

The password is write-only: sealed with the key cipher before it is stored, never shown
(pages say "set" / "not set"); leaving it blank keeps the stored one.
"""
from __future__ import annotations

import smtplib
from typing import Mapping

from sqlalchemy import Engine

from adapter.domain.mail import KINDS, check_settings
from adapter.domain.source_text import Translate, english
from adapter.persistence import mail_store
from adapter.persistence.key_cipher import KeyCipher

from .mail_delivery import MailServerUnavailable, send_test


def current(engine: Engine) -> mail_store.MailSettings | None:
    with engine.connect() as conn:
        return mail_store.load_settings(conn)


def save(engine: Engine, form: Mapping[str, str], cipher: KeyCipher | None, now: float) -> None:
    """Check and store the SMTP settings; raises RuleViolation naming the field."""
    existing = current(engine)
    values = check_settings(form, has_password=bool(existing and existing.has_password))
    values["enabled"] = form.get("enabled", "1") == "1"
    password = form.get("password") or None  # blank: keep
    if not values["username"]:
        password = ""  # no sign-in: no password kept
    with engine.begin() as conn:
        mail_store.save_settings(conn, values, password, cipher, now)


def save_defaults(engine: Engine, form: Mapping[str, str], now: float) -> bool:
    """The organisation's default per kind (a ticked box is on); False before mail is set up."""
    with engine.begin() as conn:
        return mail_store.save_defaults(conn, {key: form.get(key) == "1" for key in KINDS}, now)


def test(engine: Engine, cipher: KeyCipher | None, address: str, translate: Translate = english) -> tuple[bool, str]:
    """Send a test message now (its words in ``translate``'s language): whether it went, and
    what the server said."""
    try:
        return True, send_test(engine, cipher, address, translate=translate)
    except (MailServerUnavailable, smtplib.SMTPException, OSError) as error:
        return False, str(error)
