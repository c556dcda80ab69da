"""A whole page kept (kept_fragments.render_page) is the page its render would print: its key has
the value of every name its templates read — the view's, the context processors', the globals,
the navigation's fields and the header's inputs — each request's CSRF field is its own, and
whatever the key cannot vouch for is rendered each time."""
from __future__ import annotations

import dataclasses
import re
import time

import pytest
from flask import g, render_template, template_rendered
from jinja2 import ChoiceLoader, DictLoader, TemplateSyntaxError

from adapter.persistence.relationships_store import add_nomination
from adapter.services.navigation import Navigation
from adapter.web.kept_fragments import KeptFragments, render_page
from adapter.web.navigation import _navigation_key

from .signed_in import another_learner, signed_in_learner, two_learners
from .test_kept_fragments import Changing

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')

PAGES = {
    "t/parent.html": "<p>{{ a }}</p>{% block title %}{{ title_default }}{% endblock %}|{% block body %}{% endblock %}",
    "t/child.html": (
        '{% extends "t/parent.html" %}{% from "_macros.html" import messages %}'
        "{% macro shown(x) %}{{ x }}:{{ c }}{% endmacro %}"
        "{% block title %}{% if d %}{{ d|length }}{% else %}{{ super_title }}{% endif %}{% endblock %}"
        "{% block body %}{{ shown(b) }}{% for n in items %}<i>{{ n.get('v') }}</i>{% endfor %}"
        "{{ messages(None, None, None) }}{{ csrf() }}{% endblock %}"),
    "t/unset.html": "{% if x %}{% set y = 'set' %}{% endif %}{{ y }}",
    "t/rebound.html": '{% from "_macros.html" import messages %}{% if x %}{% set messages = m %}{% endif %}{{ messages }}',
    "t/request.html": "{{ request.path }}",
    "t/upper.html": "{{ a|upper }}",
    "t/include.html": '{% include "t/parent.html" %}',
    "t/self.html": '{% extends "t/parent.html" %}{% block body %}{{ self.title() }}{% endblock %}',
}


@pytest.fixture()
def app(tmp_path):
    _, client = signed_in_learner(tmp_path)
    app = client.application
    app.jinja_env.loader = ChoiceLoader([DictLoader(PAGES), app.jinja_env.loader])  # before any overlay
    return app


def kept_and_rendered(app, name: str, **values) -> tuple[str, str]:
    """The page through render_page twice (the second from what was kept) and rendered by Flask."""
    with app.test_request_context("/learner/"):
        texts = [str(render_page(name, **values)) for _ in range(2)]
        assert texts[0] == texts[1]
        return texts[1], render_template(name, **values)


def kept_pages(app) -> dict:
    return {key: parts for overlay in app.jinja_env._overlays.values()
            for key, parts in overlay.extensions[KeptFragments.identifier].pages.items()}


def test_every_name_the_templates_read_is_in_the_key(app):
    """A name read only by the parent, by a block of the child, by a macro of the child, inside a
    condition: each changes the page, and each kept page is the one rendered."""
    values = dict(a="A", title_default="T", b="B", c="C", d=None, super_title="S", items=[{"v": 1}])
    changed = [("a", "A2"), ("title_default", "T2"), ("b", "B2"), ("c", "C2"), ("d", [1, 2]), ("super_title", "S2"),
               ("items", [{"v": 2}]), ("items", [{"v": "2"}]), ("d", (1,))]
    pages = set()
    for name, value in [(None, None), *changed]:
        page_values = {**values, **({name: value} if name else {})}
        kept, rendered = kept_and_rendered(app, "t/child.html", **page_values)
        assert kept == rendered, (name, value)
        pages.add(kept)
    assert len(pages) == len(changed) - 1  # title_default: the parent's block the child overrides; "2" prints as 2
    assert len(kept_pages(app)) == len(changed) + 1  # each its own key


def test_a_name_a_template_binds_only_sometimes_is_read_from_the_values(app):
    for values in [dict(x=True, y="view"), dict(x=False, y="view"), dict(x=False, y="other")]:
        kept, rendered = kept_and_rendered(app, "t/unset.html", **values)
        assert kept == rendered
    for values in [dict(x=True, m="mine"), dict(x=True, m="yours")]:  # an imported name set again: from the values
        kept, rendered = kept_and_rendered(app, "t/rebound.html", **values)
        assert kept == rendered == values["m"]


def test_what_the_key_cannot_vouch_for_is_rendered_each_time(app):
    value = Changing()
    with app.test_request_context("/learner/"):
        assert [str(render_page("t/parent.html", a=value, title_default="")) for _ in range(2)] == [
            "<p>1</p>|", "<p>2</p>|"]
    for path in ("/one", "/two"):  # request: Flask's proxy, not plain data
        with app.test_request_context(path):
            assert str(render_page("t/request.html")) == path
    with app.test_request_context("/learner/"):  # an undefined name
        assert str(render_page("t/parent.html", title_default="x")) == "<p></p>x|"
    assert kept_pages(app) == {}


@pytest.mark.parametrize("name", ["t/upper.html", "t/include.html", "t/self.html"])
def test_a_page_whose_output_its_key_cannot_hold_is_refused(app, name):
    with app.test_request_context("/learner/"), pytest.raises(TemplateSyntaxError):
        render_page(name, a="x")


def test_a_page_is_rendered_while_anything_listens_to_flasks_template_signals(app):
    heard = []

    def listener(sender, template, context, **extra):
        heard.append(template.name)

    with template_rendered.connected_to(listener, app):
        for _ in range(2):
            kept_and_rendered(app, "t/parent.html", a="x", title_default="y")
    assert heard == ["t/parent.html"] * 6 and kept_pages(app) == {}  # each render_page and render_template


def test_every_field_of_the_navigation_is_in_its_key(app):
    fields = {field.name: field for field in dataclasses.fields(Navigation)}
    base = Navigation([("learner", "Your activity")], [{"id": 1, "name": "Ana", "email": None, "sub": "s"}])
    keys = set()
    for navigation in [base, Navigation([("learner", "Your activity"), ("manager", "Your team")], base.nominations),
                       Navigation(base.sections, [{"id": 1, "name": "Bo", "email": None, "sub": "s"}]),
                       Navigation(base.sections, [])]:
        with app.test_request_context("/learner/"):
            g.web_session, g.navigation = object(), navigation
            keys.add(_navigation_key({}))
    assert len(keys) == 4 and set(fields) == {"sections", "nominations"}, "a new field: add it to _navigation_key"


def landing(client, path: str = "/learner/", **headers) -> str:
    return client.get(path, base_url="https://localhost", headers=headers).get_data(as_text=True)


def fresh(client, path: str = "/learner/", **headers) -> str:
    """The page rendered, not kept (a template signal's listener makes render_page render it)."""
    def listener(sender, **extra):
        pass

    with template_rendered.connected_to(listener, client.application):
        return landing(client, path, **headers)


def test_each_learner_landing_is_the_kept_page_with_its_own_csrf_field(tmp_path):
    app, first, second = two_learners(tmp_path)

    pages = [landing(client) for client in (first, second, first, second)]
    tokens = [set(TOKEN.findall(page)) for page in pages]
    assert all(len(found) == 1 for found in tokens) and tokens[0] == tokens[2] != tokens[1] == tokens[3]
    assert pages[0].count("csrf_token") >= 4  # the header's two forms and the page's own
    assert pages[0] == fresh(first) and pages[1] == fresh(second)
    kept = kept_pages(app)
    assert len(kept) == 1 and len(next(iter(kept.values()))) == pages[0].count("csrf_token") + 1


def test_the_locale_path_and_records_are_in_the_page(tmp_path):
    _, client = signed_in_learner(tmp_path)
    english, french = landing(client, **{"Accept-Language": "en"}), landing(client, **{"Accept-Language": "fr"})
    assert english != french and 'lang="fr' in french
    assert english == fresh(client, **{"Accept-Language": "en"}) and french == fresh(client, **{"Accept-Language": "fr"})
    one, two = landing(client, "/learner/?x=1"), landing(client, "/learner/?x=2")
    assert 'value="/learner/?x=1"' in one and 'value="/learner/?x=2"' in two
    token = TOKEN.search(one).group(1)
    saved = client.post("/learner/reflection", base_url="https://localhost", data={
        "csrf_token": token, "learned": "Listening <first>", "applying": "In my one-to-ones", "confidence": "4"})
    assert saved.status_code in (200, 302, 303)
    page = landing(client)
    assert "Listening &lt;first&gt;" in page and page == fresh(client)


def test_a_managers_nominations_are_their_own(tmp_path):
    """Two people each named manager by another learner: the same sections, other nominations."""
    engine, ana = signed_in_learner(tmp_path)
    app = ana.application
    with engine.begin() as conn:
        platform_id = conn.exec_driver_sql("SELECT id FROM platforms").scalar()
    bo, cy, di = (another_learner(app, platform_id, sub, name) for sub, name in
                  (("u2", "Bo Named"), ("u3", "Cy"), ("u4", "Di Named")))
    with engine.begin() as conn:
        ids = dict(conn.exec_driver_sql("SELECT sub, id FROM people").all())
        add_nomination(conn, learner_id=ids["u2"], manager_id=ids["u1"], now=time.time())
        add_nomination(conn, learner_id=ids["u4"], manager_id=ids["u3"], now=time.time())
    first, second = landing(ana), landing(cy)
    assert "Bo Named" in first and "Di Named" not in first
    assert "Di Named" in second and "Bo Named" not in second
    assert first == fresh(ana) and second == fresh(cy)
    assert "Bo Named" not in landing(bo) and "nominations-heading" not in landing(di)
