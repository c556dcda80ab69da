"""The tool operator's registration links page in Chromium on a phone: a new link (long,
unbroken) fits 390 px, and the page passes the accessibility checks."""
from __future__ import annotations

import time

import pytest

from adapter.services.admin_access import issue_admin_link

from .conftest import check_accessibility

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_new_registration_link_fits_a_phone(chromium, peers):
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{peers.tool_url}/admin/sign-in/{issue_admin_link(peers.engine, time.time())}")
    page.goto(peers.tool_url + "/admin/invitations")
    page.get_by_label("Who it is for (optional, for you)").fill("Acme Moodle")
    page.get_by_role("button", name="Create a registration link").click()
    page.get_by_text("It is shown only now").wait_for()
    page.wait_for_load_state("load")  # the stylesheet applied: text can be laid out before it is
    assert peers.tool_url + "/lti/register/" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page, "registration-links-390", page)
    context.close()
