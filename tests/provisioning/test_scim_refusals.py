"""Bad SCIM requests get a SCIM error document with the right status, and write nothing."""
from __future__ import annotations

import itertools
import json

import pytest
import requests
from sqlalchemy import func, select

from adapter.persistence.people_tables import scim_users
from adapter.persistence.tables import manager_links, people

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
_serial = itertools.count(1)


def user(name: str, manager: str | None = None) -> dict:
    body = {"schemas": [USER], "userName": f"{name}@example.org", "active": True}
    if manager:
        body["schemas"].append(ENTERPRISE)
        body[ENTERPRISE] = {"manager": {"value": manager}}  # no $ref, as Entra ID and Okta send it
    return body


class Api:
    def __init__(self, server, token=None):
        self.base, self.session = server.base_url, requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or server.token}"
        self.session.headers["Content-Type"] = "application/scim+json"

    def __getattr__(self, method):
        return lambda path, **kw: self.session.request(method.upper(), self.base + path, timeout=30, **kw)


@pytest.fixture
def api(scim_server):
    return Api(scim_server)


def counts(scim_db) -> tuple[int, int, int]:
    with scim_db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (scim_users, manager_links, people))


def assert_scim_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status) and body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type, body
    return body


def new_name() -> str:
    return f"refusal-{next(_serial)}"


def test_wrong_token_and_revoked_token_are_401(scim_server, scim_db):
    before = counts(scim_db)
    assert_scim_error(Api(scim_server, "not-a-token").post("/Users", json=user(new_name())), 401)
    created = scim_server.cli("scim", "token", "create", "--platform", str(scim_server.platform_id))
    token = created.stdout.splitlines()[-1]
    assert token not in created.stdout.splitlines()[0]  # alone on its last line
    assert Api(scim_server, token).get("/Users?count=1").status_code == 200
    newest = json.loads(scim_server.cli("scim", "token", "list").stdout.splitlines()[-1])
    assert "token" not in newest and "token_hash" not in newest and newest["revoked_at"] is None
    revoked = scim_server.cli("scim", "token", "revoke", str(newest["id"]))
    assert revoked.returncode == 0, revoked.stderr
    response = Api(scim_server, token).get("/Users")
    assert_scim_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert counts(scim_db) == before


def test_wrong_schema_is_invalid_syntax(api, scim_db):
    before = counts(scim_db)
    assert_scim_error(api.post("/Users", json={"schemas": ["urn:example:not-a-user"], "userName": "x@example.org"}),
                      400, "invalidSyntax")
    assert_scim_error(api.post("/Users", data=b"{not json"), 400, "invalidSyntax")
    assert counts(scim_db) == before


def test_unknown_manager_is_invalid_value(api, scim_db):
    before = counts(scim_db)
    body = assert_scim_error(api.post("/Users", json=user(new_name(), manager="no-such-id")), 400, "invalidValue")
    assert "no-such-id" in body["detail"]
    assert counts(scim_db) == before


def test_a_management_cycle_is_refused_and_nothing_changes(api, scim_db):
    top = api.post("/Users", json=user(new_name())).json()["id"]
    middle = api.post("/Users", json=user(new_name(), manager=top)).json()["id"]
    bottom = api.post("/Users", json=user(new_name(), manager=middle)).json()["id"]
    before = counts(scim_db)
    top_user = api.get(f"/Users/{top}").json()
    replaced = {**user(top_user["userName"].split("@")[0], manager=bottom)}
    assert_scim_error(api.put(f"/Users/{top}", json=replaced), 400, "invalidValue")
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "replace", "path": f"{ENTERPRISE}:manager", "value": top}]}
    assert_scim_error(api.patch(f"/Users/{top}", json=patch), 400, "invalidValue")  # oneself
    assert counts(scim_db) == before
    assert ENTERPRISE not in api.get(f"/Users/{top}").json()  # still nobody's report


def test_a_2_mb_body_is_refused_unread(api, scim_db):
    before = counts(scim_db)
    huge = {**user(new_name()), "displayName": "x" * (2 * 1024 * 1024)}
    assert_scim_error(api.post("/Users", json=huge), 413)
    assert counts(scim_db) == before


def test_a_taken_user_name_is_a_uniqueness_conflict(api, scim_db):
    name = new_name()
    assert api.post("/Users", json=user(name)).status_code == 201
    before = counts(scim_db)
    assert_scim_error(api.post("/Users", json=user(name.upper())), 409, "uniqueness")  # userName ignores case
    assert counts(scim_db) == before


def test_unknown_user_and_unknown_path_are_scim_404s(api):
    assert_scim_error(api.get("/Users/does-not-exist"), 404)
    assert_scim_error(api.get("/Groups"), 404)
    assert_scim_error(api.delete("/ServiceProviderConfig"), 405)


def test_paging_parameters_out_of_range_are_read_as_the_rfc_says(api):
    for query in ("startIndex=99999999999999999999999&count=2", "startIndex=9223372036854775807&count=2",
                  "startIndex=-4&count=-1", "startIndex=²&count=x"):
        page = api.get(f"/Users?{query}")
        assert page.status_code == 200, (query, page.text)
    assert api.get("/Users?startIndex=-4&count=-1").json()["Resources"] == []  # count below 0 is 0
    searched = api.post("/Users/.search", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                               "startIndex": 10 ** 30, "count": 1})
    assert searched.status_code == 200 and searched.json()["Resources"] == []


def test_nul_characters_and_overlong_names_are_invalid_values(api, scim_db):
    before = counts(scim_db)
    assert_scim_error(api.post("/Users", json={**user(new_name()), "displayName": "Ann\x00Lee"}), 400, "invalidValue")
    assert_scim_error(api.post("/Users", json=user("x" * 300)), 400, "invalidValue")
    assert_scim_error(api.post("/Users", json={**user(new_name()), "externalId": "e" * 300}), 400, "invalidValue")
    assert counts(scim_db) == before
    long_name = api.post("/Users", json={**user(new_name()), "displayName": "N" * 400})
    assert long_name.status_code == 201  # kept as sent; the person's name in coachbridge is cut to fit


@pytest.mark.parametrize("inner", ['"x"', '"\\u0000"'])  # the second also meets the NUL check every request passes
def test_json_nested_past_the_parsers_depth_is_invalid_syntax(api, scim_db, inner):
    """~30,000 '[' fit under the body limit; Python's JSON parser gives up long before (a
    RecursionError, not a ValueError): the client gets a SCIM 400, not a server error."""
    before = counts(scim_db)
    body = "[" * 30_000 + inner + "]" * 30_000
    assert_scim_error(api.post("/Users", data=body), 400, "invalidSyntax")
    assert counts(scim_db) == before
