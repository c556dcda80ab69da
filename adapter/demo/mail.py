"""The demo's mail catcher: a real SMTP server (aiosmtpd) on 127.0.0.1; the tests use it too.

Every message the server accepts is kept, parsed with the standard ``email`` package.
``refuse`` makes it answer the next DATA commands with given replies (e.g. "451 4.3.0
try later", "550 5.1.1 no such user"), ``hold_after`` keeps a sender waiting for the
server's answer (to kill it mid-message), and ``stop``/``start`` make an outage.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Catcher:
    """aiosmtpd handler: keeps what it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.replies: list[str] = []  # answers to give instead of accepting, first first
        self.hold_from: int | None = None  # messages from this many on wait for ``release``
        self.released = threading.Event()
        self.holding = threading.Event()  # set while a message waits
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.hold_from is not None and len(self.messages) >= self.hold_from:
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Not accepted: the server was interrupted"
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 2.0.0 OK queued"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """``options`` go to aiosmtpd's server, e.g. ``tls_context``, ``require_starttls``,
    ``authenticator`` and ``auth_require_tls`` for STARTTLS and AUTH."""

    def __init__(self, port: int = 0, **options: Any) -> None:
        self.catcher = Catcher()
        self.port = port
        self.options = options
        self._controller: Controller | None = None

    def start(self) -> "SmtpServer":
        # aiosmtpd's Controller checks its server by connecting to the port it was given,
        # so it needs a real one (0 fails): a free port, kept for restarts after an outage.
        self.port = self.port or _free_port()
        self._controller = Controller(self.catcher, hostname="127.0.0.1", port=self.port, **self.options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, *replies: str) -> None:
        with self.catcher.lock:
            self.catcher.replies.extend(replies)

    def hold_after(self, accepted: int) -> None:
        """Accept ``accepted`` more messages, then keep the sender of the next waiting
        until :meth:`release` (which answers it 451, not kept)."""
        self.catcher.hold_from = len(self.messages) + accepted

    def release(self) -> None:
        self.catcher.hold_from = None
        self.catcher.released.set()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.catcher.lock:
            return list(self.catcher.messages)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo mail catcher</title></head><body>
<h1>Demo mail catcher: {{ messages|length }} {{ "message" if messages|length == 1 else "messages" }}</h1>
<p>What coachbridge emailed, newest first (memory only: a restart forgets them). Reload to see new ones.
Nothing here leaves this machine.</p>
{% for m in messages %}<article><h2>{{ m["Subject"] }}</h2>
<p>To {{ m["To"] }} · {{ m["Date"] }}
{%- if calendar(m) %} · with a calendar invitation ({{ method(m) }}){% endif %}</p>
<details><summary>Read it</summary><pre>{{ text(m) }}</pre>
{% if calendar(m) %}<p>Invitation (.ics):</p><pre>{{ calendar(m) }}</pre>{% endif %}
<p>Headers:</p><pre>{% for name, value in m.items() %}{{ name }}: {{ value }}
{% endfor %}</pre></details></article><hr>
{% endfor %}</body></html>"""


def _part(message: EmailMessage, content_type: str) -> str:
    part = next((p for p in message.walk() if p.get_content_type() == content_type), None)
    return part.get_content() if part is not None else ""


def _calendar_method(message: EmailMessage) -> str:
    """REQUEST or CANCEL, from the invitation part's ``method`` parameter."""
    return next((str(p.get_param("method")) for p in message.walk() if p.get_content_type() == "text/calendar"), "")


def create_app(server: SmtpServer):
    """The catcher's page: the messages ``server`` received."""
    from flask import Flask, render_template_string  # the demo's pages only: the tests use the server alone

    app = Flask(__name__)

    @app.get("/")
    def inbox():
        return render_template_string(PAGE, messages=list(reversed(server.messages)),
                                      text=lambda m: _part(m, "text/plain"),
                                      calendar=lambda m: _part(m, "text/calendar"),
                                      method=_calendar_method)

    return app
