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
