"""Every route, every role, hostile parameters: never a 5xx.

Hypothesis fills each route of the app's url_map (path parameters, query and form fields
the pages and views use, an uploaded file) with hostile values — Unicode digits, ids
beyond 64 bits, NUL bytes, huge and empty strings — and sends them with a valid session
of each kind: learner, manager, instructor, platform admin, tool operator, and none.
Examples per route are bounded so the whole module stays quick on a small CI machine.
"""
from __future__ import annotations

import inspect
import io
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.config import Settings
from adapter.mapping_files import load_templates
from adapter.web import create_app

WEB = Path(__file__).parents[2] / "adapter" / "web"
# Per route and role; COACHBRIDGE_FUZZ_EXAMPLES=500 for a long hunt on a developer's machine.
EXAMPLES_PER_ROUTE = int(os.environ.get("COACHBRIDGE_FUZZ_EXAMPLES", "8"))
ROLES = ("learner", "manager", "instructor", "admin", "operator", "nobody", "scim")
# Outbound fetches to whatever a hostile value names are another test's subject (SSRF).
FETCHING_ENDPOINTS = {"registration.confirm"}


TRAPS = ["", " ", "0", "-1", "²", "١٢", "1.5", "9" * 19, str(2 ** 64 + 1), "9" * 5000, "\x00", "a\x00b",
         "x" * 70_000, "<script>x</script>", "../..", "https://127.0.0.1:9/"]
HOSTILE = st.one_of(st.sampled_from(TRAPS), st.text(max_size=20))
PATH_VALUE = st.sampled_from([v for v in TRAPS if v.strip() and "/" not in v and len(v) < 3000])
# What a valid form holds, so that one hostile field reaches the code behind the others' checks.
VALID = {
    "template": "check-in", "outcome": "validated", "answer": "confirm", "status": "done", "rating": "4",
    "confidence": "4", "held_on": "2026-11-20", "next_on": "2026-12-04", "action_0_due_on": "2026-12-01",
    "action_0_owner": "learner", "action_0_description": "Ask for feedback", "quarter": "2026-Q4",
    "measure": "validated_applications", "target": "5", "platform_id": "1", "learner_id": "1",
    "resource_link_pk": "1", "auth_kind": "basic", "xapi_version": "1.0.3", "batch_size": "10",
    "endpoint": "http://127.0.0.1:9/xapi/", "token_url": "http://127.0.0.1:9/token", "name": "lrs-1",
    "username": "user", "secret": "secret", "identity_format": "account", "active": "1", "kind": "check-in",
    "points": "10", "manager": "manager@example.org", "manager_email": "manager@example.org", "channel": "xapi",
    "csv_text": "learner_user_id,manager_user_id\nlearner-sub,instructor-sub\n", "carried_1": "done",
}


def fields_by_module() -> dict[str, list[str]]:
    """The fields each view module reads, or its pages post: named in its source or its templates."""
    catalog_fields = {field.name for template in load_templates().by_key.values() for field in template.fields}
    found = {}
    for module in WEB.glob("*.py"):
        source = module.read_text()
        names = set(re.findall(r'(?:form|args|values|files)\.get\(\s*"([A-Za-z_]+)"|_int_arg\(\s*"([A-Za-z]+)"',
                               source))
        names = {name for pair in names for name in pair if name}
        for template in re.findall(r'render_template\(\s*"([^"]+)"', source):
            names.update(re.findall(r'name="([a-z_0-9]+)"', (WEB / "templates" / template).read_text()))
        if "hold_conversation" in source or "submit_reflection" in source:
            names |= catalog_fields | {"action_0_description", "action_0_owner", "action_0_due_on", "carried_1"}
        if "target_fields" in source or "set_target" in source:
            names |= {"quarter", "measure", "target"}
        found[f"adapter.web.{module.stem}"] = sorted(names - {"csrf_token", "viewport"})
    return found


FIELDS = fields_by_module()
CSV_FILE = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from([b"learner_user_id,manager_user_id\nu\x00x,boss\n",
                     b"learner_user_id,manager_user_id\n" + b"x" * 200_000 + b",boss\n",
                     b"\xff\xfe\x00l\x00e\x00a\x00r\x00n\x00",
                     b"learner_email,manager_email\n\"unterminated,boss@example.org\n"]),
)


def routes(app) -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) for every route but the static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, rule.endpoint))
    return found


_APP_FOR_IDS = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": "/nonexistent"}), migrate=False)
ROUTES = routes(_APP_FOR_IDS)
ANY_CHOICES = {rule.rule: {name: list(conv.items) if hasattr(conv, "items") else []
                           for name, conv in rule._converters.items()}
               for rule in _APP_FOR_IDS.url_map.iter_rules()}


def fill_path(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", lambda m: quote(values[m.group(1)], safe=""), rule)


# An identity provider's token opens the SCIM routes only; a session every other route.
CASES = [(rule, method, endpoint, role) for rule, method, endpoint in ROUTES for role in ROLES
         if (role == "scim") == endpoint.startswith("scim.")]


@pytest.mark.parametrize("rule, method, endpoint, role", CASES, ids=[f"{m} {r} as {who}" for r, m, _, who in CASES])
def test_no_route_answers_a_server_error(world, rule, method, endpoint, role):
    if endpoint in FETCHING_ENDPOINTS:
        pytest.skip("fetches the URL it is given: its answers to unreachable or refused addresses are the registration tests' subject")
    app = world.app
    names = re.findall(r"<(?:[^:<>]+:)?([a-z_]+)>", rule)
    view_module = inspect.unwrap(app.view_functions[endpoint]).__module__
    csrf_token = world.csrf(role)

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(path=st.fixed_dictionaries({n: st.one_of(st.sampled_from(ANY_CHOICES[rule].get(n) or ["1"]), PATH_VALUE)
                                       for n in names}),
           fields=st.fixed_dictionaries({name: st.one_of(st.just(VALID.get(name, "Some words")), HOSTILE)
                                         for name in FIELDS[view_module]}),
           upload=st.one_of(st.none(), CSV_FILE))
    def check(path, fields, upload):
        client = world.client(role)
        url = fill_path(rule, path)
        if method == "GET":
            response = client.get(url, query_string=fields)
        else:
            data = {**fields, "csrf_token": csrf_token}  # past the CSRF check, into the view
            if upload is not None:
                data["csv_file"] = (io.BytesIO(upload), "people.csv")
            response = client.open(url, method=method, data=data)
        # SCIM answers 501 for a feature it does not offer (RFC 7644 §3.12): a refusal, not a failure.
        declined = endpoint.startswith("scim.") and response.status_code == 501
        assert response.status_code < 500 or declined, (
            f"{method} {url} as {role} with {fields!r}: {response.status_code} {response.get_data(as_text=True)[:300]}")

    check()
