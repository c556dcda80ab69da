"""The demo's mail catcher page shows what its SMTP server received, escaped."""
from __future__ import annotations

import smtplib
import time

from adapter.demo.mail import create_app
from adapter.services.mail_delivery import build_message


def test_the_catcher_page_lists_messages_with_their_invitations(smtp):
    message = build_message({"to": "ana@example.org", "to_name": "Ana", "subject": "Check-in <soon>",
                             "message_id": "<m1@demo.invalid>", "text": "Hello Ana", "html": "<p>Hello Ana</p>",
                             "ics": "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", "ics_method": "REQUEST"},
                            "coaching@example.org", time.time())
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.send_message(message)
    smtp.catcher.wait_for(1)
    page = create_app(smtp).test_client().get("/").get_data(as_text=True)
    assert "catcher: 1 message<" in page and "Check-in &lt;soon&gt;" in page
    assert "with a calendar invitation (REQUEST)" in page and "Hello Ana" in page
