"""Each malformed id, number, file or CSV the attack found answers a 4xx with a plain
message, and writes nothing."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from adapter.persistence.coaching_tables import validation_requests
from adapter.persistence.tables import manager_links, people
from adapter.persistence.xapi_tables import lrs_endpoints
from adapter.web.parsing import FormRequest
from adapter.web.responses import ToolResponse

TOO_BIG = str(2 ** 64 + 1)


def count(world, table) -> int:
    with world.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("number", ["²", "١٢", "-1", "1.0", TOO_BIG])
def test_a_conversation_about_an_unreadable_activity_is_refused(world, number):
    learner = world.ids["learner"]
    answer = world.post("manager", f"/manager/team/{learner}/conversation",
                        {"template": "check-in", "held_on": "2026-11-20", "progress": "Fine", "learned": "x",
                         "next_focus": "y", "resource_link_pk": number})
    assert answer.status_code == 400
    assert "Activity" in answer.get_data(as_text=True) and "is not one of the learner" in answer.get_data(as_text=True)


@pytest.mark.parametrize("number", ["²", TOO_BIG])
def test_an_import_for_an_unreadable_platform_is_refused(world, number):
    answer = world.post("admin", "/admin/relationships", {"platform_id": number, "csv_text": "x"})
    assert answer.status_code == 400 and "Choose the platform" in answer.get_data(as_text=True)


@pytest.mark.parametrize("field, number", [("platform_id", "²"), ("platform_id", TOO_BIG), ("target", "²")])
def test_a_target_with_an_unreadable_number_is_refused(world, field, number):
    form = {"platform_id": str(world.platform_id), "manager": "manager@example.org", "quarter": "2026-Q4",
            "measure": "validated_applications", "target": "5", field: number}
    answer = world.post("admin", "/admin/reports/targets", form)
    assert answer.status_code == 400
    assert ("Choose the platform" if field == "platform_id" else "must be a whole number") in answer.get_data(
        as_text=True)


@pytest.mark.parametrize("field, number", [("platform_id", "²"), ("batch_size", "²"), ("batch_size", TOO_BIG)])
def test_an_lrs_endpoint_with_an_unreadable_number_is_refused(world, field, number):
    before = count(world, lrs_endpoints)
    form = {"name": "lrs-x", "platform_id": str(world.platform_id), "endpoint": "https://lrs.example.org/xapi/",
            "auth_kind": "none", "xapi_version": "1.0.3", "batch_size": "10", field: number}
    answer = world.post("admin", "/admin/lrs/new", form)
    assert answer.status_code == 400
    assert ("Choose the platform" if field == "platform_id" else "Batch size must be a whole number") in \
        answer.get_data(as_text=True)
    assert count(world, lrs_endpoints) == before


@pytest.mark.parametrize("learner_id", ["Ana", "²", TOO_BIG, ""])
def test_a_refused_decision_with_an_unreadable_learner_id_says_why(world, learner_id):
    with world.engine.connect() as conn:
        request_id = conn.execute(select(validation_requests.c.id)
                                  .where(validation_requests.c.learner_id == world.ids["learner"])).scalar_one()
    answer = world.post("manager", f"/manager/validations/{request_id}", {"outcome": "maybe", "learner_id": learner_id})
    assert answer.status_code == 400
    assert "The decision is not recorded: Decision is required" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", [f"/manager/team/{TOO_BIG}", "/manager/team/%C2%B2", f"/admin/lrs/{TOO_BIG}",
                                  f"/admin/platforms/{2 ** 63}"])
def test_ids_beyond_64_bits_or_unicode_digits_in_urls_are_not_found(world, path):
    role = "manager" if path.startswith("/manager") else "admin"
    assert world.client(role).get(path).status_code == 404


@pytest.mark.parametrize("path", [f"/learner/actions/{TOO_BIG}", f"/learner/conversations/{TOO_BIG}/rating",
                                  f"/manager/nominations/{2 ** 63}"])
def test_posts_to_ids_beyond_64_bits_are_not_found(world, path):
    assert world.post("manager", path, {"status": "done", "rating": "4", "answer": "confirm"}).status_code == 404


def import_file(world, content: bytes):
    return world.client("admin").post("/admin/relationships", data={
        "platform_id": str(world.platform_id), "csrf_token": world.csrf("admin"),
        "csv_file": (io.BytesIO(content), "people.csv")})


def test_a_binary_file_is_refused_as_not_csv(world):
    before = count(world, people)
    answer = import_file(world, bytes(range(256)) * 8)
    assert answer.status_code == 400 and "is not a CSV text file" in answer.get_data(as_text=True)
    assert count(world, people) == before


def test_a_200_kb_cell_is_reported_by_line(world):
    answer = import_file(world, b"learner_user_id,manager_user_id\nlearner-sub,manager-sub\n"
                                + b"a" * 200_000 + b",manager-sub\n")
    assert answer.status_code == 400
    assert "line 3: cannot be read as CSV (field larger than field limit" in answer.get_data(as_text=True)


def test_a_long_cell_within_the_csv_limit_is_reported_by_line(world):
    answer = import_file(world, b"learner_user_id,manager_user_id\n" + b"a" * 300 + b",manager-sub\n")
    assert answer.status_code == 400
    assert "line 2: a user id or email is longer than 255 characters" in answer.get_data(as_text=True)


def test_a_nul_byte_inside_a_user_id_is_refused_and_creates_nobody(world):
    before_people, before_links = count(world, people), count(world, manager_links)
    answer = import_file(world, b"learner_user_id,manager_user_id\nnew\x00person,manager-sub\n")
    assert answer.status_code == 400
    assert "line 2: a user id or email holds a control character" in answer.get_data(as_text=True)
    assert (count(world, people), count(world, manager_links)) == (before_people, before_links)


def test_the_tool_reads_requests_and_writes_responses_with_its_own_classes(world):
    """What tests/hardening/test_form_parsing.py and test_response_headers.py compare with werkzeug's."""
    assert world.app.request_class is FormRequest and world.app.response_class is ToolResponse


def test_a_nul_byte_in_any_form_field_is_refused(world):
    answer = world.post("learner", "/learner/reflection", {"learned": "a\x00b", "applying": "x", "confidence": "3"})
    assert answer.status_code == 400 and "NUL character" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/learner/", "/manager/", "/manager/reports"])
def test_the_tool_operator_opening_a_learner_or_manager_page_is_told_why(world, path):
    answer = world.client("operator").get(path)
    assert answer.status_code == 403
    assert "signed in as the tool operator" in answer.get_data(as_text=True)


def test_a_nul_character_in_a_scim_document_is_a_scim_error_and_provisions_nobody(world):
    before = count(world, people)
    answer = world.client("scim").post(
        "/scim/v2/Users", content_type="application/scim+json",
        data='{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x\\u0000y@example.org"}')
    assert answer.status_code == 400 and "NUL character" in answer.get_json()["detail"]
    assert count(world, people) == before


@pytest.mark.parametrize("days", ["²", "١٢", TOO_BIG])
def test_a_retention_limit_that_is_not_plain_digits_is_refused(world, days):
    answer = world.post("operator", "/admin/retention", {"platform_id": str(world.platform_id),
                                                         "private_notes_days": days})
    assert answer.status_code == 400 and "a whole number from 1" in answer.get_data(as_text=True)


@pytest.mark.parametrize("start", ["²", TOO_BIG, "-5"])
def test_a_scim_list_with_an_unreadable_start_index_still_answers(world, start):
    answer = world.client("scim").get("/scim/v2/Users", query_string={"startIndex": start, "count": "²"})
    assert answer.status_code == 200 and "Resources" in answer.get_json()
