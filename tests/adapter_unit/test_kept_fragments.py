"""A kept part of a page (``{% kept %}``, kept_fragments.py) prints what it would print rendered:
its key has every value it reads, each request's CSRF field is its own, and whatever its key
cannot vouch for is rendered each time."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from jinja2 import Template, TemplateSyntaxError

from .signed_in import signed_in_learner, two_learners

KEPT = "adapter.web.kept_fragments.KeptFragments"


@pytest.fixture()
def app(tmp_path):
    _, client = signed_in_learner(tmp_path)
    return client.application


def rendered(app, source: str | Template, **values) -> str:
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(source) if isinstance(source, str) else source
        return template.render(**values)


def compiled(app, source: str) -> Template:
    with app.test_request_context("/"):
        return app.jinja_env.from_string(source)


def both(app, kept: Template, body: str, **values) -> tuple[str, str]:
    """The part kept (rendered twice: the second from what was kept) and not kept."""
    kept_texts = app.jinja_env.extensions[KEPT].texts
    kept_texts.clear()
    texts = [rendered(app, kept, **values) for _ in range(2)]
    assert texts[0] == texts[1] and len(kept_texts) == 1
    return texts[1], rendered(app, body, **values)


def test_plain_values_print_what_they_would_each_by_its_own_type(app):
    # one template, one value after the other: 1 and True are equal keys unless their types are in them
    body = "{{ value }}|{{ value is none }}|{{ 'yes' if value else 'no' }}"
    template = compiled(app, "{% kept %}" + body + "{% endkept %}")
    for value in [1, True, "1", None, 0, False, "", [1], (1,), ["1"], {"a": 1, "b": 2}, {"b": 2, "a": 1},
                  [[True], {"x": (None,)}], [[1], {"x": (None,)}], "<b>&</b>"]:
        kept, not_kept = both(app, template, body, value=value)
        assert kept == not_kept, value


def test_values_of_one_shape_flattened_alike_are_other_keys(app):
    """A key is flat (kept_fragments._put): a container's length keeps [[1], 2] from [[1, 2]]."""
    body = "{{ value }}"
    template = compiled(app, "{% kept %}" + body + "{% endkept %}")
    app.jinja_env.extensions[KEPT].texts.clear()
    for value in [[[1], 2], [[1, 2]], [1, [2]], [[], [1]], [[1], []], {"a": (1,)}, {"a": [1]}, {"a": 1, "b": {}},
                  {"a": {1: "b"}}]:
        assert rendered(app, template, value=value) == rendered(app, body, value=value), value


def test_every_value_read_is_in_the_key(app):
    body = "{% set shown = b if a else c %}{{ shown }}{% for x in d %}{{ x.get('n') }}{% endfor %}"
    template = compiled(app, "{% kept %}" + body + "{% endkept %}")
    for values in [dict(a=1, b="one", c="two", d=[]), dict(a=0, b="one", c="two", d=[]),
                   dict(a=0, b="one", c="three", d=[{"n": 4}]), dict(a=True, b=1, c="two", d=[{"n": 5}])]:
        kept, not_kept = both(app, template, body, **values)
        assert kept == not_kept


class Changing:
    def __init__(self) -> None:
        self.count = 0

    def __str__(self) -> str:
        self.count += 1
        return str(self.count)


def test_a_value_that_is_not_plain_data_is_rendered_each_time(app):
    value = Changing()
    source = compiled(app, "{% kept %}{{ value }}{% endkept %}")
    assert [rendered(app, source, value=value) for _ in range(3)] == ["1", "2", "3"]


def test_a_view_value_in_place_of_a_page_pure_global_is_rendered_each_time(app):
    calls = []

    def field_error(error, name):  # a view's own, by the global's name
        calls.append(name)
        return str(len(calls))

    source = compiled(app, "{% kept %}{{ field_error(None, 'x') }}{% endkept %}")
    assert [rendered(app, source, field_error=field_error) for _ in range(2)] == ["1", "2"]
    assert [rendered(app, source) for _ in range(2)] == ["", ""]  # the global's, kept


def test_a_macro_of_the_template_itself_is_not_kept(app):
    counter = Changing()
    source = compiled(app, "{% macro m() %}{{ counter }}{% endmacro %}{% kept %}{{ m() }}{% endkept %}")
    assert [rendered(app, source, counter=counter) for _ in range(2)] == ["1", "2"]


def test_the_locale_is_in_the_key(app):
    source = "{% kept %}{{ n|number }}{% endkept %}"
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(source)
        english = template.render(n=1234)
        with force_locale("fr_FR"):
            french = template.render(n=1234)
        assert template.render(n=1234) == english == "1,234"
    assert french == "1\u202f234"


@pytest.mark.parametrize("body", [
    "{{ a|upper }}", "{{ a is string }}", "{% include 'base.html' %}", "{% from '_macros.html' import scale %}",
    "{{ a.append(1) }}", "{{ url_for('.home') }}", "{{ url_for('learner.home', _external=True) }}",
    "{{ url_for(a) }}", "{{ a|selectattr('x', 'string') }}", "{% kept %}{% endkept %}", "{{ caller() }}",
])
def test_what_a_kept_part_cannot_vouch_for_is_refused_when_compiled(app, body):
    with pytest.raises(TemplateSyntaxError):
        app.jinja_env.from_string("{% kept %}" + body + "{% endkept %}")


def test_each_learner_landing_has_its_own_csrf_field_and_the_kept_rest(tmp_path):
    app, first, second = two_learners(tmp_path)

    pages = [client.get("/learner/").get_data(as_text=True) for client in (first, second, first, second)]
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]*)"', page)) for page in pages]
    assert all(len(found) == 1 for found in tokens) and tokens[0] == tokens[2] != tokens[1] == tokens[3]
    assert pages[0].count("csrf_token") >= 4  # the header's two forms and the page's own
    masked = {re.sub(r'name="csrf_token" value="[^"]*"', "", page) for page in pages}
    assert len(masked) == 1
    kept = [texts for overlay in app.jinja_env._overlays.values() for texts in overlay.extensions[KEPT].texts.values()]
    assert len(kept) == 1 and len(kept[0]) == 3  # the page's two forms: kept, not rendered
