"""The Dynamic Registration document against Canvas's published rules for it, and the
Canvas developer-key JSON.

The checks are written from Canvas's documentation and its published registration schema
(lib/schemas/lti/ims/lti_tool_configuration.rb, oidc_registration.rb, and how
app/models/lti/ims/registration.rb turns messages into placements): the required OpenID
fields and values; the tool configuration's domain (a host, no scheme), claims and
messages; each message's type, URIs and placements allowed for that type; a message
without placements becomes ``link_selection``; "ContentArea" means ``link_selection``;
and only the first message naming a placement keeps it. Moodle and Brightspace read the
same document by message type (IMS Dynamic Registration 1.0), so it must stay plain IMS.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from adapter.cli import main
from adapter.services.tool_configuration import ToolUrls, canvas_json, tool_description
from lti import claims
from lti.dynamic_registration import client_registration_document

DEEP_LINKING_PLACEMENTS = {"assignment_selection", "collaboration", "conference_selection",
                           "course_assignments_menu", "editor_button", "homework_submission", "link_selection",
                           "migration_selection", "module_index_menu_modal", "module_menu_modal",
                           "resource_selection", "submission_type_selection"}
RESOURCE_LINK_PLACEMENTS = {"account_navigation", "assignment_edit", "assignment_selection", "assignment_view",
                            "course_navigation", "course_home_sub_navigation", "course_settings_sub_navigation",
                            "global_navigation", "link_selection", "module_menu", "user_navigation"}
ALLOWED = {claims.RESOURCE_LINK_REQUEST: RESOURCE_LINK_PLACEMENTS, claims.DEEP_LINKING_REQUEST: DEEP_LINKING_PLACEMENTS}
DOMAIN = re.compile(r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*"
                    r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(:[0-9]{1,5})?$")
PRIVACY = "https://canvas.instructure.com/lti/privacy_level"


def is_uri(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def canvas_problems(document: dict) -> list[str]:
    """What Canvas would refuse in a registration document."""
    problems = []
    required = {"application_type": "web", "token_endpoint_auth_method": "private_key_jwt"}
    problems += [f"{key} must be {value!r}" for key, value in required.items() if document.get(key) != value]
    if not {"client_credentials", "implicit"} <= set(document.get("grant_types") or []):
        problems.append("grant_types must include client_credentials and implicit")
    if "id_token" not in (document.get("response_types") or []):
        problems.append("response_types must include id_token")
    if not document.get("redirect_uris") or not all(map(is_uri, document["redirect_uris"])):
        problems.append("redirect_uris must be URIs")
    problems += [f"{key} must be a URI" for key in ("initiate_login_uri", "jwks_uri") if not is_uri(document.get(key))]
    if not document.get("client_name"):
        problems.append("client_name is required")
    config = document.get(claims.TOOL_CONFIGURATION) or {}
    if not isinstance(config.get("domain"), str) or not DOMAIN.match(config["domain"]):
        problems.append("domain must be a host name, without scheme")
    if not isinstance(config.get("claims"), list) or not isinstance(config.get("messages"), list):
        problems.append("claims and messages are required arrays")
        return problems
    if config.get(PRIVACY) not in (None, "anonymous", "name_only", "email_only", "public"):
        problems.append("unknown privacy level")
    for n, message in enumerate(config["messages"]):
        if message.get("type") not in ALLOWED:
            problems.append(f"message {n}: type {message.get('type')!r} is not one Canvas knows")
            continue
        if message.get("target_link_uri") is not None and not is_uri(message["target_link_uri"]):
            problems.append(f"message {n}: target_link_uri must be a URI")
        if message.get("label") is not None and not isinstance(message["label"], str):
            problems.append(f"message {n}: label must be a string")
        for placement in message.get("placements") or []:
            if canvas_placement(placement) not in ALLOWED[message["type"]]:
                problems.append(f"message {n}: {message['type']} cannot be placed in {placement}")
    return problems


def canvas_placement(name: str) -> str:
    return {"ContentArea": "link_selection", "RichTextEditor": "editor_button"}.get(
        name, name.removeprefix("https://canvas.instructure.com/lti/"))


def canvas_placements(document: dict) -> dict[str, list[dict]]:
    """Placement → every message that names it (Canvas keeps only the first)."""
    by_placement: dict[str, list[dict]] = {}
    for message in document[claims.TOOL_CONFIGURATION]["messages"]:
        for placement in message.get("placements") or ["link_selection"]:
            by_placement.setdefault(canvas_placement(placement), []).append(message)
    return by_placement


@pytest.fixture
def document() -> dict:
    return client_registration_document(tool_description(ToolUrls.for_base("https://coach.example.org")))


def test_canvas_accepts_the_registration_document(document):
    assert canvas_problems(document) == []
    assert document[claims.TOOL_CONFIGURATION][PRIVACY] == "public"  # names, emails, role_scope_mentor


def test_canvas_offers_deep_linking_where_instructors_add_activities_and_the_link_in_the_course_menu(document):
    placements = canvas_placements(document)
    assert all(len(messages) == 1 for messages in placements.values()), "one message per placement"
    assert {p: m[0]["type"] for p, m in placements.items()} == {
        "assignment_selection": claims.DEEP_LINKING_REQUEST, "link_selection": claims.DEEP_LINKING_REQUEST,
        "course_navigation": claims.RESOURCE_LINK_REQUEST}
    assert all(m[0]["label"] for m in placements.values())
    assert placements["link_selection"][0]["label"] != placements["course_navigation"][0]["label"]


def test_the_document_stays_plain_ims_for_moodle_and_brightspace(document):
    for message in document[claims.TOOL_CONFIGURATION]["messages"]:
        assert set(message) <= {"type", "target_link_uri", "label", "placements"}
        assert all(isinstance(p, str) for p in message.get("placements", []))
    types = [m["type"] for m in document[claims.TOOL_CONFIGURATION]["messages"]]
    assert sorted(types) == sorted([claims.RESOURCE_LINK_REQUEST, claims.DEEP_LINKING_REQUEST])


def test_the_rules_catch_what_canvas_would_do_with_messages_without_placements(document):
    """The document before placements: both messages fall on link_selection, Canvas keeps
    the resource link there, and no placement offers Deep Linking."""
    for message in document[claims.TOOL_CONFIGURATION]["messages"]:
        message.pop("placements")
    placements = canvas_placements(document)
    assert list(placements) == ["link_selection"] and len(placements["link_selection"]) == 2
    assert placements["link_selection"][0]["type"] == claims.RESOURCE_LINK_REQUEST
    bad = {**document, "token_endpoint_auth_method": "client_secret_basic"}
    bad[claims.TOOL_CONFIGURATION] = {**document[claims.TOOL_CONFIGURATION], "domain": "https://coach.example.org",
                                      "messages": [{"type": claims.RESOURCE_LINK_REQUEST,
                                                    "placements": ["editor_button"]}]}
    assert canvas_problems(bad) == ["token_endpoint_auth_method must be 'private_key_jwt'",
                                    "domain must be a host name, without scheme",
                                    f"message 0: {claims.RESOURCE_LINK_REQUEST} cannot be placed in editor_button"]


def test_the_developer_key_json_matches_and_the_cli_prints_the_redirect_uri(capsys):
    urls = ToolUrls.for_base("https://coach.example.org")
    placements = {p["placement"]: p["message_type"] for p in canvas_json(urls)["extensions"][0]["settings"]["placements"]}
    assert placements == {"assignment_selection": claims.DEEP_LINKING_REQUEST,
                          "link_selection": claims.DEEP_LINKING_REQUEST,
                          "course_navigation": claims.RESOURCE_LINK_REQUEST}
    assert main(["tool-config", "--base-url", "https://coach.example.org", "--canvas-json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["target_link_uri"] == "https://coach.example.org/lti/launch"
    assert "Redirect URIs" in err and "https://coach.example.org/lti/launch" in err
