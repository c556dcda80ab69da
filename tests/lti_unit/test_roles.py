import pytest

from adapter.mapping_files import MappingError, load_role_map
from lti.roles import Role, parse_role

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize("uri, role", [
    (LIS + "membership#Instructor", Role("context", "Instructor")),
    (LIS + "membership/Instructor#TeachingAssistant", Role("context", "Instructor", "TeachingAssistant")),
    (LIS + "membership/Mentor#Tutor", Role("context", "Mentor", "Tutor")),
    (LIS + "institution/person#Administrator", Role("institution", "Administrator")),
    (LIS + "system/person#SysAdmin", Role("system", "SysAdmin")),
    ("Learner", Role("context", "Learner")),
    ("http://example.org/custom#Role", Role("unknown", "http://example.org/custom#Role")),
    ("", Role("unknown", "")),
])
def test_parse_role(uri, role):
    assert parse_role(uri) == role


@pytest.mark.parametrize("lti_roles, app_roles", [
    ([LIS + "membership#Learner"], ["learner"]),
    ([LIS + "membership/Mentor#Advisor"], ["manager"]),
    ([LIS + "institution/person#Administrator", LIS + "membership#Learner"], ["admin", "learner"]),
    (["Instructor", "Learner"], ["instructor", "learner"]),
    ([LIS + "institution/person#Faculty"], ["learner"]),
    ([], ["learner"]),
])
def test_role_map(lti_roles, app_roles):
    assert load_role_map().app_roles(lti_roles) == app_roles


def test_role_map_errors_name_the_file_and_field(tmp_path):
    bad = tmp_path / "roles.yaml"
    bad.write_text("context:\n  Learner: student\n")
    with pytest.raises(MappingError, match=r"roles.yaml: context.Learner: 'student' is not one of"):
        load_role_map(bad)
    bad.write_text("context: [oops\n")
    with pytest.raises(MappingError, match=r"roles.yaml: \(file\): not valid YAML"):
        load_role_map(bad)


def test_grants_kept_per_role_list_answer_as_parsed_afresh():
    """RoleMap.grants keeps its answer per role list: the same as parsing the roles again, for
    every list (order, repeats, short names, non-strings, unhashable entries), each answer a
    list of its own (a caller that changes it changes no later launch's roles), and still
    right after the kept answers were forgotten at their limit."""
    import random

    from adapter.domain import roles as domain_roles

    role_map = load_role_map()
    fresh = load_role_map()
    pool = [LIS + "membership#Learner", LIS + "membership#Instructor", LIS + "membership/Mentor#Advisor",
            LIS + "membership#Mentor", LIS + "institution/person#Administrator", LIS + "system/person#SysAdmin",
            "Instructor", "Learner", "Mentor", "", "http://example.org/custom#Role", 7, None]
    rng = random.Random(18)
    lists = [[rng.choice(pool) for _ in range(rng.randrange(0, 4))] for _ in range(3 * domain_roles.GRANTS_KEPT)]
    lists += [[{"not": "hashable"}, LIS + "membership#Instructor"], [[LIS + "membership#Mentor"]],
              [LIS + "membership#Learner"] * domain_roles.GRANTS_KEPT_ROLES + [LIS + "membership#Mentor"]]
    for lti_roles in lists * 2:
        expected = fresh._grant(lti_roles)
        answer = role_map.grants(lti_roles)
        assert answer == (list(expected[0]), expected[1]), lti_roles
        answer[0].append("admin")  # the caller's own list
        assert role_map.grants(lti_roles)[0] == list(expected[0])
    assert len(role_map._granted) <= domain_roles.GRANTS_KEPT
    assert all(len(key) <= domain_roles.GRANTS_KEPT_ROLES for key in role_map._granted)
    assert role_map == fresh  # the kept answers are no part of the map's value
