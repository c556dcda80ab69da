"""Templates' fixed texts are translated when a template is compiled for a catalog
(web/translated_templates.py), and render exactly what Jinja's new-style gettext renders;
every value they print, exactly what Jinja's escaping prints."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext, ngettext
from jinja2 import DictLoader, Environment, StrictUndefined, UndefinedError, select_autoescape
from markupsafe import Markup

from adapter.config import Settings
from adapter.web import create_app
from adapter.web.translated_templates import TranslatedTemplates

TEMPLATES = {
    "plain.html": "{{ _('Sign out') }}|{{ gettext('Language') }}",
    "values.html": "{{ _('Confirm you manage %(name)s', name=who) }}|{{ _('Confirm you manage %(name)s', name='<i>') }}",
    "markup.html": "{% trans profile=link %}The statements use the vocabulary described by "
                   "<a href=\"{{ profile }}\">coachbridge's xAPI Profile</a>.{% endtrans %}",
    "percent.html": "{{ _('100%% <sure>') }}|{{ _('Sign out') ~ who }}|{{ [_('Sign out')]|join(who) }}",
    "text.txt": "{{ _('Confirm you manage %(name)s', name=who) }}|{{ _('a < b') }}",
    "unescaped.html": "{% autoescape false %}{{ _('a < b') }} {{ _('Confirm you manage %(name)s', name=who) }}"
                      "{% endautoescape %}",
    "computed.html": "{{ _(word) }}|{{ ngettext('%(num)s to validate', '%(num)s to validate', 2) }}",
    "macro.html": "{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(_('Sign out')) }}{{ m(_('Confirm you manage %(name)s', name=who)) }}",
    "broken.html": "{{ _('%(name)s') }}",
    "lib.html": "{% macro names() %}{{ extra|default('no extra') }}|{{ range(2)|list }}|{{ who is defined }}{% endmacro %}",
    "imports.html": "{% from 'lib.html' import names %}{{ names() }}|{{ extra|default('no extra') }}|{{ who }}"
                    "|{{ joiner is string }}",
    # Every kind of value a page prints, escaped (or not) as Jinja's own code would.
    "printed.html": "{{ who }}|{{ safe }}|{{ own_markup }}|{{ html }}|{{ number }}|{{ 2.5 }}|{{ nothing }}|"
                    "{{ unknown }}|{{ who|safe }}|{{ who ~ safe }}|{{ [who] }}|{{ text_like }}|"
                    "{% macro m() %}<{{ who }}>{% endmacro %}{{ m() }}|{% set kept %}{{ who }}{% endset %}{{ kept }}|"
                    "{% for w in [who, safe] %}{{ w }}{% endfor %}",
    "printed.txt": "{{ who }}|{{ safe }}|{{ html }}|{{ number }}",
    "switched.html": "{% autoescape switch %}{{ who }}|{{ safe }}{% endautoescape %}|"
                     "{% autoescape false %}{{ who }}{% endautoescape %}|{{ who }}",
}


class _OwnMarkup(Markup):
    pass


class _Html:
    def __html__(self):
        return "<i>as its own html</i>"


class _TextLike(str):
    pass


VALUES = {"who": "<b>Ana & \"Ben\"</b>", "link": "/x?a=1&b='2'", "word": "Language", "safe": Markup("<em>&amp;</em>"),
          "own_markup": _OwnMarkup("<u>x</u>"), "html": _Html(), "number": 12, "nothing": None,
          "text_like": _TextLike("<s>"), "switch": True}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path_factory.mktemp("translated"))}))


def environments(app):
    """The tool's environment and Jinja's own new-style gettext (through Flask-Babel) on the same templates."""
    options = {"loader": DictLoader(TEMPLATES), "autoescape": select_autoescape(default=False),
               "extensions": ["jinja2.ext.i18n"]}
    ours = TranslatedTemplates(app, **options)
    ours.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    ours.policies["ext.i18n.trimmed"] = True
    jinja = Environment(**options)
    jinja.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    jinja.policies["ext.i18n.trimmed"] = True
    return ours, jinja


@pytest.mark.parametrize("locale", ["en", "fr", "fr_CA", "de", "es"])
@pytest.mark.parametrize("name", sorted(set(TEMPLATES) - {"broken.html"}))
def test_a_template_renders_what_jinjas_gettext_renders(app, locale, name):
    ours, jinja = environments(app)
    with app.test_request_context(), force_locale(locale):
        assert ours.get_template(name).render(VALUES) == jinja.get_template(name).render(VALUES)


def test_fixed_texts_are_compiled_in_per_catalog(app):
    """No call to ``_`` at render time (one that would fail here); each catalog its own compilation."""
    ours, _ = environments(app)
    refuse = {"_": None, "gettext": None}  # calling either would raise
    with app.test_request_context():
        with force_locale("fr"):
            assert ours.get_template("plain.html").render(refuse) == "Se déconnecter|Langue"
        with force_locale("en"):
            assert ours.get_template("plain.html").render(refuse) == "Sign out|Language"
        with force_locale("fr_CA"):  # the same catalog files as fr: the same compiled template
            assert ours.get_template("plain.html").render(refuse) == "Se déconnecter|Langue"
        with force_locale("fr"), pytest.raises(TypeError):
            ours.get_template("computed.html").render(refuse)  # a computed text stays a call


def test_a_text_whose_formatting_fails_still_fails_when_rendered(app):
    ours, jinja = environments(app)
    with app.test_request_context():
        for environment in (ours, jinja):
            with pytest.raises(KeyError):
                environment.get_template("broken.html").render()


def test_a_template_with_its_own_underscore_keeps_calling_it(app):
    ours, _ = environments(app)
    ours.loader.mapping["own.html"] = "{% set _ = upper %}{{ _('Sign out') }}"
    with app.test_request_context(), force_locale("fr"):
        assert ours.get_template("own.html").render(upper=str.upper) == "SIGN OUT"


@pytest.mark.parametrize("extra", [None, {"extra": "<own global>", "joiner": "its own over the environment's"}])
def test_renders_and_imports_see_the_names_jinja_gives_them(app, extra):
    """The template class (its context built from the globals layer by layer, its import's check
    for globals the importer has and the imported template lacks) gives what Jinja's gives: the
    environment's globals, a template's own, the render's values; an import without context sees
    the importer's own globals, not its values."""
    ours, jinja = environments(app)
    with app.test_request_context(), force_locale("fr"):
        rendered = [environment.get_template("imports.html", globals=extra).render(VALUES) for environment in (ours, jinja)]
    assert rendered[0] == rendered[1]
    assert rendered[0].startswith("&lt;own global&gt;|[0, 1]|False|" if extra else "no extra|[0, 1]|False|")
    assert rendered[0].endswith("|True" if extra else "|False")


@pytest.mark.parametrize("switch", [True, False])
def test_printed_values_are_what_jinjas_escaping_prints(app, switch):
    """The tool's templates print a value with ``_printed`` (markupsafe's escape without a Markup
    wrapper): the same text for a string, Markup and its subclasses, ``__html__``, numbers,
    None, an undefined name, inside macros, ``set`` blocks, loops, and where autoescaping is
    switched while rendering (Jinja's own choice there)."""
    ours, jinja = environments(app)
    values = {**VALUES, "switch": switch}
    with app.test_request_context():
        for name in ("printed.html", "printed.txt", "switched.html"):
            assert ours.get_template(name).render(values) == jinja.get_template(name).render(values)
    assert "&lt;b&gt;Ana &amp; &#34;Ben&#34;&lt;/b&gt;|<em>&amp;</em>|<u>x</u>|<i>as its own html</i>|12|2.5|None||" in (
        ours.get_template("printed.html").render(values))


def test_a_strictly_undefined_value_still_fails_when_printed(app):
    ours, _ = environments(app)
    ours.undefined = StrictUndefined
    with app.test_request_context(), pytest.raises(UndefinedError):
        ours.get_template("printed.html").render({})
