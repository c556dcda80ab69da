"""An LMS admin registers coachbridge from the demo LMS's "add a tool" page, in Chromium,
with the tool in a cross-site iframe (third-party cookies blocked, as by default), from a
registration link a tool operator created."""
from __future__ import annotations

import time

from sqlalchemy import select

from adapter.persistence.tables import deployments, platforms
from adapter.services.invitations import invite
from tests.browser.conftest import check_accessibility, tool_frame


def test_admin_completes_dynamic_registration(peers, page):
    before = len(peers.lms.tool_registrations)
    page.goto(f"{peers.lms_url}/admin/register-tool")
    page.get_by_label("Tool registration URL").fill(invite(peers.engine, peers.tool_url, time.time()).link)
    page.get_by_role("button", name="Register tool").click()
    page.wait_for_selector("iframe")
    frame = page.frame_locator("iframe")
    frame.get_by_role("heading", name="Register coachbridge with your LMS").wait_for()
    assert peers.lms.issuer in frame.locator("main").inner_text()
    check_accessibility(tool_frame(page, peers), "dynamic-registration-confirm", page)
    frame.get_by_role("button", name="Register coachbridge").click()
    page.get_by_text("Tool registered.").wait_for()

    assert len(peers.lms.tool_registrations) == before + 1
    registered = peers.lms.tool_registrations[-1]
    with peers.engine.connect() as conn:
        row = conn.execute(select(platforms).where(platforms.c.issuer == peers.lms.issuer,
                                                   platforms.c.client_id == registered["client_id"])).mappings().one()
        deployed = conn.execute(select(deployments.c.deployment_id)
                                .where(deployments.c.platform_id == row["id"])).scalars().all()
    assert row["registered_by"] == "dynamic" and deployed == [registered["deployment_id"]]
