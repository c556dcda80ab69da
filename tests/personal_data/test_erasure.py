"""An erasure leaves nothing of the person in the database or live in the LRS: records and
personal fields deleted, every statement about them voided at ralph through the outbox
(and `report --from-lrs` no longer counting them); what a manager wrote about a learner
stays for the learner, author anonymised; a second erasure is a no-op; a new launch
starts fresh."""
from __future__ import annotations

import hashlib
import json
import time
import uuid

import pytest
from sqlalchemy import func, select, update

from adapter.cli import main
from adapter.persistence import people_store, scim_store
from adapter.persistence.expected_people_store import expect_person
from adapter.persistence.coaching_tables import audit_events, conversations, reflections
from adapter.persistence.outbox_store import enqueue_many, message_row, payloads
from adapter.persistence.tables import outbox, outbox_payloads, resource_links
from adapter.services.personal_data import Actor, export_person, plan_erasure
from adapter.worker import default_jobs, drain
from xapi.agents import IdentityFormat, PrivacySettings

from .traces import found_in_database, live_statements, voided_at, make_distinct

pytestmark = pytest.mark.slow


def _erase(monkeypatch, capsys, database_url, world, who_sub: str, *extra: str) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    code = main(["person", "erase", "--platform", str(world.platform_id), "--user", who_sub, *extra])
    out = capsys.readouterr().out
    assert code == (0 if extra else 1), out
    return out


def _starts(monkeypatch, capsys, ralph=None) -> int:
    """Activity starts as `coachbridge report` counts them: from the database's report
    summary, or from what the LRS keeps."""
    lrs = ["--from-lrs", ralph.endpoint, "--username", ralph.username] if ralph else []
    if ralph:
        monkeypatch.setenv("COACHBRIDGE_LRS_PASSWORD", ralph.password)
    assert main(["report", "--json", *lrs]) == 0
    return json.loads(capsys.readouterr().out)["facts"]["activity_starts"]


def _seed(world, tag: str) -> dict[str, str]:
    texts = {"learned": f"learned-{tag}", "applying": f"applying-{tag}", "support": f"support-{tag}",
             "evidence": f"evidence-{tag}", "private": f"private-{tag}", "shared": f"shared-{tag}",
             "feedback": f"feedback-{tag}"}
    world.reflect(learned=texts["learned"], applying=texts["applying"], support_needed=texts["support"])
    world.check_in(private_notes=texts["private"], shared_notes=texts["shared"])
    asked = world.ask_validation(texts["evidence"])
    world.decide(asked.id, "validated", texts["feedback"])
    return texts


def _seeded_and_sent_to_ralph(world, engine, ralph, role: str,
                              privacy: PrivacySettings) -> tuple[dict[str, str], str, dict[str, str]]:
    """The ``role``'s identity made distinct, records seeded and delivered to a new ralph
    target: (their identity, the target, the texts written)."""
    identity = make_distinct(world, role)
    target = f"ralph-{uuid.uuid4().hex[:6]}"
    world.add_lrs(target, ralph.endpoint, auth=ralph.auth)
    world.set_privacy(privacy)
    texts = _seed(world, uuid.uuid4().hex[:10])
    assert drain(default_jobs(engine, None)) > 0
    return identity, target, texts


def _sent_about(engine, target: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(outbox.c.message_id).where(
            outbox.c.target == target, outbox.c.status == "delivered", ~outbox.c.source.like("% voids"))).scalars())


def test_an_erased_learner_is_gone_from_the_database_and_from_what_the_lrs_keeps_live(
        world, engine, ralph, database_url, monkeypatch, capsys):
    identity, target, texts = _seeded_and_sent_to_ralph(world, engine, ralph, "learner",
                                                        PrivacySettings(share_free_text=True))
    sent = _sent_about(engine, target)
    assert sent and not set(sent) & voided_at(ralph)
    monkeypatch.setenv("DATABASE_URL", database_url)
    starts_before = (_starts(monkeypatch, capsys), _starts(monkeypatch, capsys, ralph))
    learner_texts = [texts[k] for k in ("learned", "applying", "support", "evidence")]
    assert found_in_database(engine, [*identity.values(), *learner_texts]) == [*identity.values(), *learner_texts]

    preview = _erase(monkeypatch, capsys, database_url, world, identity["sub"])  # no --yes: only says what goes
    assert "  - 1 reflection: deleted\n" in preview and "  - 1 conversation held with them: deleted\n" in preview
    assert "voided" in preview
    assert found_in_database(engine, [identity["sub"]]) == [identity["sub"]]
    out = _erase(monkeypatch, capsys, database_url, world, identity["sub"], "--yes")
    assert "LMS gradebook entries" not in out  # this LMS granted no gradebook
    assert drain(default_jobs(engine, None)) > 0

    # The voids went to ralph (named by a pseudonym), and nothing live there names them.
    assert set(sent) <= voided_at(ralph)
    live = json.dumps(live_statements(ralph))
    assert [v for v in (*identity.values(), *texts.values()) if v in live] == []
    assert (_starts(monkeypatch, capsys), _starts(monkeypatch, capsys, ralph)) == (
        starts_before[0] - 1, starts_before[1] - 1)  # gone from the report summaries and from the LRS
    # Nothing of them is left in the database: name, email, LMS user id, every text they
    # wrote, and the manager's notes about them.
    assert found_in_database(engine, [*identity.values(), *texts.values()]) == []
    with engine.connect() as conn:
        statuses = set(conn.execute(select(outbox.c.status).where(outbox.c.target == target)).scalars())
        tombstone = conn.execute(select(audit_events.c.detail).where(
            audit_events.c.action == "person.erased", audit_events.c.platform_id == world.platform_id)).scalar_one()
    assert statuses == {"delivered"}
    assert tombstone["via"] == "command line" and tombstone["reflections"] == 1

    # Erasing again finds nobody; launching again starts a new, empty person.
    assert "nobody to erase" in _erase(monkeypatch, capsys, database_url, world, identity["sub"], "--yes")
    with engine.begin() as conn:
        again = people_store.save_person(conn, world.platform_id, identity["sub"], {"name": identity["name"]},
                                         time.time())
        assert again != world.learner_id
        assert conn.execute(select(reflections.c.id).where(reflections.c.learner_id == again)).first() is None


@pytest.mark.parametrize("identity_format", [IdentityFormat.ACCOUNT, IdentityFormat.MBOX_SHA1SUM])
def test_an_erased_managers_conversations_stay_for_the_learner_without_them(
        world, engine, ralph, database_url, monkeypatch, capsys, identity_format):
    identity, _, texts = _seeded_and_sent_to_ralph(world, engine, ralph, "manager",
                                                   PrivacySettings(identity=identity_format))
    marks = {identity["sub"], hashlib.sha1(f"mailto:{identity['email']}".encode()).hexdigest()}
    naming_them = [s["id"] for s in live_statements(ralph) if any(m in json.dumps(s) for m in marks)]
    assert naming_them  # the learner's statements name their manager (as context.instructor)

    out = _erase(monkeypatch, capsys, database_url, world, identity["sub"], "--yes")
    assert "1 conversation they recorded about others: kept for that learner" in out
    assert drain(default_jobs(engine, None)) > 0

    assert set(naming_them) <= voided_at(ralph)
    assert not any(m in json.dumps(live_statements(ralph)) for m in marks)
    assert found_in_database(engine, [*identity.values(), texts["private"]]) == []
    with engine.connect() as conn:
        kept = conn.execute(select(conversations).where(conversations.c.learner_id == world.learner_id)
                            ).mappings().one()
    assert kept["shared_notes"] == texts["shared"] and kept["private_notes"] == ""
    assert found_in_database(engine, [texts["learned"], texts["evidence"]]) == [texts["learned"], texts["evidence"]]


def test_an_lrs_outage_during_an_erasure_delays_the_voids_and_loses_none(world, engine, fault_lrs, database_url,
                                                                         monkeypatch, capsys):
    from adapter.worker import XapiDelivery
    from xapi.backoff import RetryPolicy

    identity = make_distinct(world, "learner")
    target = f"fault-{uuid.uuid4().hex[:6]}"
    world.add_lrs(target, fault_lrs.endpoint)
    _seed(world, uuid.uuid4().hex[:10])
    job = XapiDelivery(engine, None, policy=RetryPolicy(base=0.01, cap=0.05), refresh=0)
    assert drain([job]) > 0
    sent = _sent_about(engine, target)
    assert sent and set(sent) <= set(fault_lrs.statements)

    fault_lrs.go_down()
    with engine.connect() as conn:
        reflection_id = conn.execute(select(reflections.c.id).where(reflections.c.learner_id == world.learner_id)
                                     ).scalar_one()
    world.withdraw("reflection", reflection_id)  # its void waits for the LRS, naming the learner
    _erase(monkeypatch, capsys, database_url, world, identity["sub"], "--yes")
    for _ in range(3):
        job.run_once()
    with engine.connect() as conn:
        waiting = conn.execute(select(outbox.c.status, outbox.c.attempts).where(
            outbox.c.target == target, outbox.c.source.like("% voids"))).all()
    assert len(waiting) == len(sent) and {s for s, _ in waiting} == {"pending"}
    assert all(attempts >= 1 for _, attempts in waiting)  # tried during the outage, kept

    fault_lrs.come_up()
    for _ in range(200):  # the retries are due within the policy's cap
        job.run_once()
        with engine.connect() as conn:
            if not conn.execute(select(outbox.c.id).where(outbox.c.target == target,
                                                          outbox.c.status == "pending")).first():
                break
        time.sleep(0.05)
    voided = {s["object"]["id"] for s in fault_lrs.statements.values() if s["verb"]["id"].endswith("/voided")}
    assert set(sent) <= voided  # the withdrawal's void too, now naming a pseudonym
    assert identity["sub"] not in json.dumps([s for s in fault_lrs.statements.values() if s["id"] not in sent])


def test_the_admin_is_told_which_lms_gradebook_columns_hold_scores_and_queued_ones_are_cancelled(
        world, engine, database_url, monkeypatch, capsys):
    lineitem = f"https://lms.example.org/lineitems/{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:  # the LMS granted a gradebook column for this activity
        conn.execute(update(resource_links).where(resource_links.c.id == world.link_pk)
                     .values(lineitem_url=lineitem))
    identity = make_distinct(world, "learner")
    _seed(world, uuid.uuid4().hex[:10])  # asked and validated: two scores queued for the LMS
    out = _erase(monkeypatch, capsys, database_url, world, identity["sub"], "--yes")
    assert f"Coaching 101 / Giving feedback: {lineitem}" in out and "the LMS keeps these scores" in out
    with engine.connect() as conn:
        scores = conn.execute(select(outbox.c.status).where(outbox.c.channel == "ags",
                                                            outbox.c.target == f"platform:{world.platform_id}")).all()
    assert scores and {s for s, in scores} == {"cancelled"}  # never posted for someone erased


def test_their_messages_queued_again_after_the_erasure_bring_nothing_back(world, engine, ralph, database_url,
                                                                         monkeypatch, capsys):
    """A handler retried, or the same event run again, queues the very statements and
    scores the erasure cancelled and forgot: they stay cancelled, without their content,
    on SQLite as on PostgreSQL, and none is sent."""
    with engine.begin() as conn:  # scores for the LMS gradebook too
        conn.execute(update(resource_links).where(resource_links.c.id == world.link_pk).values(
            lineitem_url=f"https://lms.example.org/lineitems/{uuid.uuid4().hex[:8]}"))
        before = conn.execute(select(func.max(outbox.c.id))).scalar() or 0
    identity = make_distinct(world, "learner")
    target = f"ralph-{uuid.uuid4().hex[:6]}"
    world.add_lrs(target, ralph.endpoint, auth=ralph.auth)
    world.set_privacy(PrivacySettings(share_free_text=True))
    texts = _seed(world, uuid.uuid4().hex[:10])
    with engine.connect() as conn:
        queued = conn.execute(select(outbox.c.id, outbox.c.channel, outbox.c.target, outbox.c.message_id,
                                     outbox.c.source, outbox_payloads.c.payload)
                              .join(outbox_payloads, outbox_payloads.c.id == outbox.c.id)
                              .where(outbox.c.id > before)).all()
    assert {row.channel for row in queued} == {"xapi", "ags"}
    _erase(monkeypatch, capsys, database_url, world, identity["sub"], "--yes")

    with engine.begin() as conn:
        enqueue_many(conn, [message_row(row.channel, row.target, row.message_id, row.payload, time.time(), row.source)
                            for row in queued])
    with engine.connect() as conn:
        assert payloads(conn, [row.id for row in queued]) == {}
        statuses = set(conn.execute(select(outbox.c.status).where(outbox.c.id.in_([row.id for row in queued])))
                       .scalars())
    assert statuses == {"cancelled"}
    assert found_in_database(engine, [*identity.values(), *texts.values()]) == []
    drain(default_jobs(engine, None))
    assert not {row.message_id for row in queued} & {s["id"] for s in live_statements(ralph)}


def test_an_untitled_activitys_gradebook_column_is_named_by_the_rule_pages_use(world, engine):
    lineitem = f"https://lms.example.org/lineitems/{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:  # the LMS launched the link by id only: no title
        conn.execute(update(resource_links).where(resource_links.c.id == world.link_pk)
                     .values(title="", lineitem_url=lineitem))
    _seed(world, uuid.uuid4().hex[:10])
    name = f"Untitled activity {world.link_pk}"  # adapter/domain/activity_names.py
    assert plan_erasure(engine, world.platform_id, world.learner_id).gradebook_lines() == [
        f"Coaching 101 / {name}: {lineitem}"]
    exported = export_person(engine, world.platform_id, world.learner_id, Actor(None, "command line"), time.time())
    assert [g["activity_title"] for g in exported["gradebook_entries"]] == [name]


def test_what_an_import_or_provisioning_said_about_them_is_exported_then_erased(world, engine, database_url,
                                                                                monkeypatch, capsys):
    tag = uuid.uuid4().hex[:10]
    now = time.time()
    with engine.begin() as conn:  # an import named someone who never launched; provisioning sent the manager
        expected = expect_person(conn, world.platform_id, email=f"e{tag}@example.org", name=f"Expected {tag}",
                                 source="import", now=now)
        scim_store.save_user(conn, {
            "id": str(uuid.uuid4()), "platform_id": world.platform_id, "person_id": world.manager_id,
            "user_name_key": f"scim-{tag}", "external_id": f"ext-{tag}", "active": True, "manager_id": None,
            "resource": {"userName": f"scim-{tag}", "name": {"formatted": f"Scim Name {tag}"}},
            "created_at": now, "updated_at": now, "version": 1})
    world.check_in(private_notes=f"private-{tag}")  # the manager's conversation: their row stays, scrubbed
    exported = export_person(engine, world.platform_id, world.manager_id, Actor(None, "command line"), now)
    assert exported["provisioning"]["scim_users"][0]["resource"]["userName"] == f"scim-{tag}"
    assert export_person(engine, world.platform_id, expected, Actor(None, "command line"), now)[
        "provisioning"]["expected"]["email"] == f"e{tag}@example.org"

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["person", "erase", "--platform", str(world.platform_id), "--email", f"e{tag}@example.org",
                 "--yes"]) == 0
    _erase(monkeypatch, capsys, database_url, world, world.manager_sub, "--yes")
    assert found_in_database(engine, [f"e{tag}@example.org", f"Expected {tag}", f"scim-{tag}", f"ext-{tag}",
                                      f"Scim Name {tag}", f"private-{tag}"]) == []
