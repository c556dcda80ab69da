"""The enterprise extension's department is the person's team in the reports (as the
relationships import's team column): through a real SCIM client (scim2-client over HTTP)."""
from __future__ import annotations

from scim2_models import EnterpriseUser, PatchOp, PatchOperation, User
from sqlalchemy import select

from adapter.persistence.tables import people

from .test_scim_refusals import ENTERPRISE, Api

UserModel = User[EnterpriseUser]


def team_of(scim_db, email: str) -> str:
    with scim_db.connect() as conn:
        return conn.execute(select(people.c.team).where(people.c.email == email)).scalar_one()


def test_the_department_becomes_the_team_and_a_blank_one_leaves_it(scim_client, scim_db):
    email = "dept-ines@department.example.org"
    user = UserModel(user_name=email, display_name="Ines", active=True)
    user[EnterpriseUser] = EnterpriseUser(department="Sales")
    created = scim_client.create(user)
    assert team_of(scim_db, email) == "Sales"
    assert scim_client.query(UserModel, created.id)[EnterpriseUser].department == "Sales"

    scim_client.modify(UserModel, created.id, PatchOp[UserModel](operations=[PatchOperation[UserModel](
        op="replace", path=f"{EnterpriseUser.__schema__}:department", value="Support")]))
    assert team_of(scim_db, email) == "Support"

    replaced = scim_client.query(UserModel, created.id)
    replaced[EnterpriseUser].department = "  "  # blank, as a blank CSV cell
    scim_client.replace(replaced)
    assert team_of(scim_db, email) == "Support"


def test_a_department_too_long_or_with_a_control_character_is_refused(scim_server, scim_db):
    api = Api(scim_server)
    for department in ("x" * 256, "Sa\x01les"):
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
                "userName": "dept-refused@department.example.org", "active": True,
                ENTERPRISE: {"department": department}}
        answer = api.post("/Users", json=body)
        assert answer.status_code == 400 and answer.json()["scimType"] == "invalidValue", answer.text
        assert "department" in answer.json()["detail"]
    with scim_db.connect() as conn:
        assert conn.execute(select(people.c.id).where(people.c.email == "dept-refused@department.example.org")).first() \
            is None
