"""The route-level permission rules (adapter.domain.authorization), on plain Askers: what
each kind of session may open, and the reason a refusal gives."""
from __future__ import annotations

import pytest

from adapter.domain.authorization import (
    Asker, Forbidden, NotFound, Viewer, may_administer, may_lead_team, may_operate, may_teach,
    may_use_personal_pages,
)


def person(roles: set[str], mentees: frozenset[int] = frozenset(), **facts) -> Asker:
    viewer = Viewer(person_id=10, platform_id=1, roles=frozenset(roles), mentee_ids=mentees)
    return Asker(roles=frozenset(roles), viewer=viewer, platform_id=1, **facts)


OPERATOR = Asker(roles=frozenset({"admin"}), viewer=None, platform_id=None, signed_in_as_operator=True)


def test_personal_pages_need_a_person():
    assert may_use_personal_pages(person({"learner"}))
    refused = may_use_personal_pages(OPERATOR)
    assert not refused and "signed in as the tool operator" in refused.reason


def test_team_pages_need_mentees_the_mentor_role_or_a_nomination_awaiting_an_answer():
    assert not may_lead_team(person({"learner"}))
    assert may_lead_team(person({"learner"}, frozenset({11})))
    assert may_lead_team(person({"manager"}))
    assert may_lead_team(person({"learner"}, awaiting_their_answer=True))
    assert "nobody has named you" in may_lead_team(person({"instructor"})).reason


def test_instructor_pages_for_instructors_and_admins():
    assert may_teach(person({"instructor"})) and may_teach(OPERATOR)
    assert not may_teach(person({"learner", "manager"}))


def test_a_platform_admin_administers_their_own_platform_while_it_is_registered():
    admin = person({"admin"}, platform_active=True)
    assert may_administer(admin) and may_administer(admin, 1)
    assert not may_administer(admin, 2)
    assert not may_operate(admin) and "tool operator" in may_operate(admin).reason
    disabled = may_administer(person({"admin"}, platform_active=False))
    assert not disabled and "disabled" in disabled.reason
    assert not may_administer(person({"instructor"}, platform_active=True))


def test_the_operator_administers_every_platform_and_an_unsigned_admin_session_nothing():
    assert may_administer(OPERATOR, 7) and may_operate(OPERATOR)
    assert not may_administer(Asker(roles=frozenset({"admin"}), viewer=None, platform_id=None))


def test_an_admin_acts_on_a_platform_only_when_they_administer_it():
    admin = person({"admin"}, platform_active=True)
    assert admin.administering(1).platform_id == 1
    with pytest.raises(NotFound):
        admin.administering(2)
    with pytest.raises(Forbidden):
        person({"manager"}).administering(1)
