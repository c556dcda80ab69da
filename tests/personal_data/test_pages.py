"""The admin pages for a person's data and the audit trail, and a learner's own download:
who gets in (a platform admin only to their platform's people), the erasure's confirmation
naming what will go, CSRF, escaping, and every page view, export and erasure audited."""
from __future__ import annotations

import csv
import io
import json
import re
import time
from html import unescape

from sqlalchemy import select, update

from adapter.persistence.coaching_store import audit
from adapter.persistence.coaching_tables import audit_events, reflections
from adapter.persistence.session_store import create_session
from adapter.services.admin_access import OPERATOR_SIGN_IN
from adapter.persistence.tables import people
from adapter.web.auth import SESSION_COOKIE
from tests.xapi_bridge.world import new_world

from .traces import make_distinct
from .test_export import PRIVATE, seed


def signed_in(tool, engine, **fields):
    with engine.begin() as conn:
        token = create_session(conn, now=time.time(), lifetime=3600, **{"launch": {}, **fields})
    client = tool.test_client()
    client.set_cookie(SESSION_COOKIE, token, domain="localhost")
    return client


def operator(tool, engine):
    """A tool operator: signed in with a link from the command line (no platform)."""
    return signed_in(tool, engine, app_role="admin", app_roles=["admin"], launch={"signed_in_by": OPERATOR_SIGN_IN})


def get(client, path: str, status: int = 200):
    page = client.get(path, base_url="https://localhost")
    assert page.status_code == status, page.get_data(as_text=True)[:500]
    return page


def post(client, path: str, data: dict, status: int = 200):
    form_page = get(client, "/admin/people")
    token = unescape(re.search(r'name="csrf_token" value="([^"]+)"', form_page.get_data(as_text=True)).group(1))
    page = client.post(path, data={"csrf_token": token, **data}, base_url="https://localhost")
    assert page.status_code == status, page.get_data(as_text=True)[:500]
    return page


def test_an_admin_finds_exports_and_erases_a_person_after_a_confirmation(tool, engine, world):
    identity = make_distinct(world, "learner")
    seed(world)
    admin = operator(tool, engine)
    found = post(admin, "/admin/people", {"platform_id": world.platform_id, "who": identity["email"]}, 302)
    detail_path = found.headers["Location"].removeprefix("https://localhost")
    assert detail_path == f"/admin/people/{world.learner_id}"
    detail = get(admin, detail_path).get_data(as_text=True)
    assert identity["name"] in detail and "<li>1 reflection</li>" in detail

    exported = get(admin, f"{detail_path}/export.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    assert exported.get_json()["person"]["lms_user_id"] == identity["sub"]
    assert PRIVATE not in exported.get_data(as_text=True)
    assert "<h2>Reflections</h2>" in get(admin, f"{detail_path}/export.html").get_data(as_text=True)

    confirm = get(admin, f"{detail_path}/erase").get_data(as_text=True)
    assert "<li>1 reflection: deleted</li><li>1 conversation held with them: deleted</li>" in confirm
    assert "cannot be undone" in confirm
    in_french = admin.get(f"{detail_path}/erase", base_url="https://localhost", headers={"Accept-Language": "fr"})
    assert "<li>1 réflexion\u00a0: supprimée</li>" in in_french.get_data(as_text=True)  # the singular of three forms
    assert admin.post(f"{detail_path}/erase", data={"confirm": "erase"},
                      base_url="https://localhost").status_code == 403  # no CSRF token: refused
    post(admin, f"{detail_path}/erase", {}, 400)  # not confirmed: nothing happens
    assert get(admin, detail_path).status_code == 200
    done = post(admin, f"{detail_path}/erase", {"confirm": "erase"}).get_data(as_text=True)
    assert "<h1>Erased</h1>" in done
    get(admin, detail_path, 404)

    with engine.connect() as conn:
        logged = [(a, d.get("via"), d.get("path")) for a, d in conn.execute(
            select(audit_events.c.action, audit_events.c.detail).where(
                audit_events.c.platform_id.is_(None) | (audit_events.c.platform_id == world.platform_id))
            .order_by(audit_events.c.id))]
    assert ("person.exported", "admin page", None) in logged and ("person.erased", "admin page", None) in logged
    assert ("admin.page_viewed", None, f"{detail_path}/erase") in logged
    tombstone = [d for a, d, _ in logged if a == "person.erased"]
    assert identity["email"] not in json.dumps(tombstone) and identity["sub"] not in json.dumps(tombstone)


def test_a_platform_admin_reaches_only_their_platforms_people(tool, engine, world):
    other = new_world(engine)
    admin = signed_in(tool, engine, app_role="admin", app_roles=["admin"], platform_id=other.platform_id)
    get(admin, f"/admin/people/{world.learner_id}", 404)
    get(admin, f"/admin/people/{world.learner_id}/export.json", 404)
    get(admin, f"/admin/people/{world.learner_id}/erase", 404)
    post(admin, "/admin/people", {"platform_id": world.platform_id, "who": world.learner_sub}, 400)
    get(admin, f"/admin/people/{other.learner_id}")
    learner = signed_in(tool, engine, app_role="learner", app_roles=["learner"], person_id=world.learner_id,
                        platform_id=world.platform_id)
    get(learner, "/admin/people", 403)
    with engine.connect() as conn:
        assert conn.execute(select(people.c.id).where(people.c.id == world.learner_id)).first() is not None


def test_a_learner_downloads_their_own_records_from_their_page(tool, engine, world):
    seed(world)
    learner = signed_in(tool, engine, app_role="learner", app_roles=["learner"], person_id=world.learner_id,
                        platform_id=world.platform_id)
    assert "/learner/my-data.json" in get(learner, "/learner/").get_data(as_text=True)
    mine = get(learner, "/learner/my-data.json").get_json()
    assert mine["person"]["id"] == world.learner_id and len(mine["reflections"]) == 1
    assert PRIVATE not in json.dumps(mine)


def test_the_audit_trail_filters_by_person_and_date_and_downloads_as_csv(tool, engine, world):
    seed(world)
    admin = operator(tool, engine)
    get(admin, f"/admin/people/{world.learner_id}/export.json")
    page = get(admin, f"/admin/audit?person={world.learner_id}").get_data(as_text=True)
    for action in ("reflection.submitted", "check_in.held", "validation.validated", "person.exported"):
        assert action in page
    assert "admin.page_viewed" not in page  # the admin's own page views are not about this person
    rows = list(csv.reader(io.StringIO(get(admin, f"/admin/audit.csv?person={world.manager_id}")
                                       .get_data(as_text=True))))
    assert rows[0][:3] == ["when (UTC)", "who", "action"]
    assert {r[2] for r in rows[1:]} >= {"check_in.held", "validation.validated"}
    assert {r[1] for r in rows[1:] if r[2] == "check_in.held"} == {world.viewer_name("manager")}
    assert "Nothing matches." in get(admin, f"/admin/audit?person={world.learner_id}&to=2000-01-01").get_data(
        as_text=True)
    get(admin, "/admin/audit?from=yesterday", 400)


def test_a_long_audit_trail_is_read_a_page_at_a_time_newest_first(tool, engine, world):
    """Thousands of entries are no endless page: 50 at a time, newest first, each page's
    "Older entries" link going on from its last one (the filters kept); the CSV has them all."""
    start = time.time()
    with engine.begin() as conn:
        for n in range(1, 121):  # entry n written n seconds after the start: the newest is 120
            audit(conn, at=start + n, actor_id=world.manager_id, platform_id=world.platform_id,
                  action="check_in.held", record_type="check_in", record_id=n)
    admin = operator(tool, engine)
    pages, path = [], f"/admin/audit?person={world.manager_id}"
    while path:
        page = get(admin, path).get_data(as_text=True)
        pages.append([int(n) for n in re.findall(r"check_in\.held\s+· check_in (\d+)", page)])
        older = re.search(r'href="([^"]*)">Older entries<', page)
        path = unescape(older.group(1)) if older else None
        assert path is None or f"person={world.manager_id}" in path
        assert ("Newest entries" in page) == (len(pages) > 1)
    assert pages == [list(range(120, 70, -1)), list(range(70, 20, -1)), list(range(20, 0, -1))]
    rows = list(csv.reader(io.StringIO(get(admin, f"/admin/audit.csv?person={world.manager_id}")
                                       .get_data(as_text=True))))
    assert len(rows) == 1 + 120
    assert "names an entry by its number" in get(admin, "/admin/audit?before=soon", 400).get_data(as_text=True)


def test_an_admin_sets_retention_limits_and_sees_what_the_next_run_removes(tool, engine, world):
    reflection = world.reflect()
    world.withdraw("reflection", reflection.id)
    admin = signed_in(tool, engine, app_role="admin", app_roles=["admin"], platform_id=world.platform_id)
    page = get(admin, "/admin/retention").get_data(as_text=True)
    assert page.count('name="withdrawn_days"') == 1  # only their own platform
    post(admin, "/admin/retention", {"platform_id": world.platform_id, "withdrawn_days": "ten"}, 400)
    post(admin, "/admin/retention", {"platform_id": new_world(engine).platform_id, "withdrawn_days": "1"}, 400)
    with engine.begin() as conn:  # withdrawn two days ago
        conn.execute(update(reflections).where(reflections.c.id == reflection.id)
                     .values(withdrawn_at=time.time() - 2 * 86400))
    saved = post(admin, "/admin/retention", {"platform_id": world.platform_id, "withdrawn_days": "1",
                                             "private_notes_days": "", "inactive_months": "12"}).get_data(as_text=True)
    assert "Saved." in saved and 'value="12"' in saved
    assert "The next run removes 1 item:" in saved and f"reflection {reflection.id}" in saved
