"""A person's export: everything held about them, valid against the schema the tool ships,
private notes only in their author's export, and the export itself audited."""
from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
from sqlalchemy import select

from adapter.persistence.coaching_tables import audit_events
from adapter.services.personal_data import Actor, export_person
from adapter.web.export_page import export_html

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "adapter/web/static/person-export.schema.json").read_text())
PRIVATE = "Worried about the reorg (private-91c2)"


def seed(world) -> None:
    world.reflect()
    world.check_in(private_notes=PRIVATE)
    asked = world.ask_validation()
    world.decide(asked.id, "validated")


def export(world, person_id: int, via: str = "command line") -> dict:
    document = export_person(world.engine, world.platform_id, person_id, Actor(None, via), time.time())
    return json.loads(json.dumps(document))  # exactly what a file would hold


def test_a_seeded_learners_export_holds_their_records_and_round_trips_through_its_schema(world):
    world.add_lrs(f"lrs-{world.platform_id}", "http://127.0.0.1:9/xapi/")  # queued, never reached
    seed(world)
    document = export(world, world.learner_id)
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert document["person"]["lms_user_id"] == world.learner_sub
    assert document["person"]["email"] == f"lena{world.learner_sub.removeprefix('learner-')}@example.org"
    assert [r["applying"] for r in document["reflections"]] == ["SBI in my next 1-to-1"]
    assert document["reflections"][0]["course_title"] == "Coaching 101"
    (conversation,) = document["conversations"]
    assert conversation["shared_notes"] == "Good progress" and "private_notes" not in conversation
    assert conversation["manager"]["lms_user_id"] == world.manager_sub
    assert [a["description"] for a in document["agreed_actions"]] == ["Ask a peer for feedback"]
    (request,) = document["validation_requests"]
    assert [d["outcome"] for d in request["decisions"]] == ["validated"]
    assert [m["manager"]["lms_user_id"] for m in document["managers"]] == [world.manager_sub]
    assert {e["action"] for e in document["audit_events"]} >= {"reflection.submitted", "validation.requested",
                                                                "validation.validated", "check_in.held"}
    sent = {m["about"]: m for m in document["sent"]}
    assert {m["to"] for m in document["sent"]} == {f"lrs-{world.platform_id}"}
    statement = next(m["content"] for about, m in sent.items() if about.startswith("reflection "))
    assert statement["actor"]["account"]["name"] == world.learner_sub
    assert PRIVATE not in json.dumps(document)


def test_private_notes_are_only_in_their_authors_export_and_exports_are_audited(world):
    seed(world)
    document = export(world, world.manager_id, via="admin page")
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    (conversation,) = document["conversations"]
    assert conversation["private_notes"] == PRIVATE
    assert [t["learner"]["lms_user_id"] for t in document["team"]] == [world.learner_sub]
    assert document["reflections"] == []  # the learner's reflection is theirs, not the manager's
    with world.engine.connect() as conn:
        logged = conn.execute(select(audit_events.c.action, audit_events.c.detail).where(
            audit_events.c.record_type == "person", audit_events.c.record_id == world.manager_id)).all()
    assert [(a, d["via"]) for a, d in logged] == [("person.exported", "admin page")]


def test_the_html_rendering_shows_every_section_escaped(world):
    world.reflect(learned="<script>alert(1)</script> tags stay text")
    page = export_html(export(world, world.learner_id))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; tags stay text" in page and "<script>" not in page
    for heading in ("Person", "Reflections", "Conversations", "Audit events", "Sent", "Gradebook entries"):
        assert f"<h2>{heading}</h2>" in page
