"""The reports' JSON API over real HTTP: tokens an admin creates (hashed, revocable,
scoped), the OpenAPI document, the rate limit, and errors as application/problem+json."""
from __future__ import annotations

import re
from html import unescape

import requests
from sqlalchemy import select

from adapter.persistence.breakdown_tables import report_api_tokens

PROBLEM = "application/problem+json"


def _csrf(page) -> str:
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))


def _new_token(admin, name: str) -> str:
    page = admin.get("/admin/reports/api-tokens")
    created = admin.client.post(admin.tool_url + "/admin/reports/api-tokens", data={"csrf_token": _csrf(page), "name": name})
    assert created.status_code == 201
    return re.search(r"<code>(cbr_[^<]+)</code>", created.text).group(1)


def test_a_token_reads_the_reports_and_stops_working_once_revoked(peers, launch, team):
    admin = launch("admin-ada")
    token = _new_token(admin, "Revoked by this test")
    with peers.engine.connect() as conn:
        stored = conn.execute(select(report_api_tokens.c.token_hash)).scalars().all()
    assert token not in stored and all(len(h) == 64 for h in stored)  # hashes only

    api = peers.tool_url + "/api/v1"
    auth = {"Authorization": f"Bearer {token}"}
    by_manager = requests.get(api + "/reports/by-manager?sort=conversations&order=desc", headers=auth, timeout=10)
    assert by_manager.status_code == 200 and by_manager.json()["by"] == "manager"
    assert "min_learners" in by_manager.json() and "rows" in by_manager.json()
    trend = requests.get(api + "/reports/over-time?period=month", headers=auth, timeout=10)
    assert trend.status_code == 200 and len(trend.json()["rows"]) == 24

    bad_filter = requests.get(api + "/reports/by-team?course=abc", headers=auth, timeout=10)
    assert bad_filter.status_code == 400 and bad_filter.headers["Content-Type"] == PROBLEM
    other_platform = requests.get(api + "/reports/by-team?platform=999999", headers=auth, timeout=10)
    assert other_platform.status_code == 400 and other_platform.json()["status"] == 400

    wrong = requests.get(api + "/reports/by-manager", headers={"Authorization": "Bearer cbr_wrong"}, timeout=10)
    assert wrong.status_code == 401 and wrong.headers["Content-Type"] == PROBLEM
    assert wrong.json()["title"] == "Unauthorized" and "Bearer" in wrong.headers["WWW-Authenticate"]
    assert requests.get(api + "/reports/by-manager", timeout=10).status_code == 401

    page = admin.get("/admin/reports/api-tokens")
    # This test's own row: other tests' tokens may be listed too, in any order.
    token_id = re.search(r'<th scope="row">Revoked by this test</th>(?:(?!</tr>).)*?/api-tokens/(\d+)/revoke',
                         page.text, re.DOTALL).group(1)
    revoked = admin.client.post(admin.tool_url + f"/admin/reports/api-tokens/{token_id}/revoke",
                                data={"csrf_token": _csrf(page)})
    assert revoked.status_code == 200 and "no longer works" in revoked.text
    after = requests.get(api + "/reports/by-manager", headers=auth, timeout=10)
    assert after.status_code == 401 and after.headers["Content-Type"] == PROBLEM


def test_the_rate_limit_answers_429_as_a_problem(peers, launch, team):
    token = _new_token(launch("admin-ada"), "A busy script")
    peers.app.config["REPORT_API_PER_MINUTE"] = 2
    try:
        answers = [requests.get(peers.tool_url + "/api/v1/reports/by-team",
                                headers={"Authorization": f"Bearer {token}"}, timeout=10) for _ in range(3)]
    finally:
        peers.app.config.pop("REPORT_API_PER_MINUTE")
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Content-Type"] == PROBLEM and answers[2].headers["Retry-After"] == "60"


def test_the_openapi_document_is_served_at_a_stable_url(peers):
    document = requests.get(peers.tool_url + "/api/v1/openapi.json", timeout=10)
    assert document.status_code == 200
    spec = document.json()
    assert spec["openapi"] == "3.1.0" and set(spec["paths"]) == {
        "/reports/by-manager", "/reports/by-team", "/reports/over-time"}
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_only_admins_manage_tokens_and_forms_need_their_csrf_token(peers, launch, team):
    manager = launch(team.manager)
    assert manager.get("/admin/reports/api-tokens").status_code == 403
    admin = launch("admin-ada")
    forged = admin.client.post(admin.tool_url + "/admin/reports/api-tokens", data={"name": "x"})
    assert forged.status_code == 403
    page = admin.get("/admin/reports/api-tokens")
    empty = admin.client.post(admin.tool_url + "/admin/reports/api-tokens", data={"csrf_token": _csrf(page), "name": ""})
    assert empty.status_code == 400
