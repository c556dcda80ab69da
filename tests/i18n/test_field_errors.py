"""The problem shown beside a form field, and the attributes tying the field to it."""
from __future__ import annotations

import pytest

from adapter.config import Settings
from adapter.domain.rules import RuleViolation, RuleViolations
from adapter.web import create_app

PAGE = '<p>{{ field_error(error, "title") }}<input id="title" {{ invalid(error, "title") }}></p>'


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path_factory.mktemp("field_errors"))}))


def render(app, error):
    with app.test_request_context():
        return app.jinja_env.from_string(PAGE).render(error=error)


def test_a_field_with_a_problem_shows_it_escaped_and_is_marked_invalid(app):
    error = RuleViolations([RuleViolation("Title", "%(field)s cannot hold %(text)s", name="title", text="<b>"),
                            RuleViolation("Date", "%(field)s is missing", name="when")])
    assert render(app, error) == ('<p><span class="field-error" id="title-error">Title cannot hold &lt;b&gt;.</span>'
                                  '<input id="title" aria-invalid="true" aria-describedby="title-error"></p>')


@pytest.mark.parametrize("error", [None, RuleViolation("Date", "%(field)s is missing", name="when")])
def test_a_field_without_a_problem_shows_nothing(app, error):
    assert render(app, error) == '<p><input id="title" ></p>'
