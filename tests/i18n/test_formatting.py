"""Dates, numbers, percentages and durations are written the page's locale's way."""
from __future__ import annotations

from datetime import date

import pytest
from flask import render_template_string
from flask_babel import force_locale

from adapter.config import Settings
from adapter.domain.translatable import N_
from adapter.reports.dashboards import Group
from adapter.reports.measures import Facts, Measure
from adapter.web import create_app
from adapter.web.domain_messages import shown_figure
from adapter.web.formatting import day, day_text, duration, number, numbered, percent

DAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path_factory.mktemp("formatting"))}))


@pytest.mark.parametrize("language, written_day, a_number, a_share, three_days", [
    ("en", "Dec 4, 2026", "1,234.5", "42%", "3 days"),
    ("fr-FR", "4 déc. 2026", "1\u202f234,5", "42\u00a0%", "3\u00a0jours"),
    ("de-DE", "04.12.2026", "1.234,5", "42\u00a0%", "3 Tage"),
    ("es-ES", "4 dic 2026", "1.234,5", "42\u00a0%", "3 días"),
])
def test_values_in_the_locale(app, language, written_day, a_number, a_share, three_days):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert day(DAY) == f'<time datetime="2026-12-04">{written_day}</time>'
        assert day_text(DAY) == day_text("2026-12-04") == written_day
        assert day(1796385600.0) == day(DAY)  # seconds since the epoch, UTC, on that day
        assert number(1234.5) == a_number and percent(0.42) == a_share
        assert percent(0.4256, 1) == a_share.replace("42", "42" + number(0.5)[1] + "6")  # 42.6% / 42,6 %
        assert duration(3 * 86400) == three_days
    assert day(None) == "" and day_text("") == ""


def test_a_short_wait_is_said_in_words(app):
    with app.test_request_context():
        assert duration(60) == "under an hour" and duration(7200) == "2 hours"


def test_a_report_row_without_a_course_title_is_named_on_the_page_as_in_the_csv(app):
    """The dashboard's table and its CSV share dashboards.Group.name_in: one rule."""
    untitled, titled = Group("", Facts(), (N_("Course %(number)s"), {"number": "7"})), Group("Algebra", Facts())
    row = app.jinja_env.from_string("{{ g|group_name }}")
    with app.test_request_context(), force_locale("fr"):
        assert row.render(g=untitled) == "Cours 7" and row.render(g=titled) == "Algebra"


def test_report_figures_write_their_numbers_the_locale_way(app):
    """2.5 days reads "2,5 jours" in French: the number is the locale's, not Python's."""
    days = Measure("decision_days", "Time to a decision", 2.5, "days", 4, "")
    rating = Measure("usefulness", "Usefulness", 4.3, "/5", 4, "")
    with app.test_request_context():
        assert shown_figure(days) == "2.5 days" and shown_figure(rating) == "4.3 / 5"
        with force_locale("fr"):
            assert shown_figure(days) == "2,5 jours" and shown_figure(rating) == "4,3 / 5"
        with force_locale("de"):
            assert shown_figure(days) == "2,5 Tage"


def test_whole_numbers_are_written_the_locale_way_each_time(app):
    """Whole numbers are remembered per locale (a rating scale writes 1–5 on every page)."""
    for language, written in (("en", "12,345"), ("fr", "12\u202f345"), ("de", "12.345"), ("en", "12,345")):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert number(12345) == number(12345) == written and number(3) == "3"
            with force_locale("fr"):
                assert number(12345) == "12\u202f345" and number(2.5) == "2,5"


def test_templates_translate_escape_and_fill_in_named_values(app):
    """Templates' ``_``/``ngettext``/``{% trans %}`` behave as Jinja's new-style ones: translated,
    named values escaped in HTML, plurals by number, ``force_locale`` followed, and a template
    without autoescape left unescaped."""
    page = "".join((
        "{% set who = name %}{% for i in [1] %}{{ _('Confirm you manage %(name)s', name=who) }}{% endfor %}|"
        "{{ _('Skip to main content') }}|"
        "{{ ngettext('Someone has named you as their manager', 'People have named you as their manager', n) }}|"
        "{% trans %}Sections{% endtrans %}"))

    def render(**values):
        return render_template_string(page, **values)

    with app.test_request_context(headers={"Accept-Language": "de"}):
        with force_locale("fr"):
            assert render(name="<b>Ana & Bo</b>", n=1).startswith(
                "Confirmer que vous êtes le manager de &lt;b&gt;Ana &amp; Bo&lt;/b&gt;|Aller au contenu principal|")
        german = render(name="Ana", n=2)
        assert "|Mehrere Personen haben Sie als ihre Führungskraft angegeben|" in german
        assert "Eine Person hat Sie" in render(name="Ana", n=1)
    with app.test_request_context():
        assert render(name="Ana", n=1) == (
            "Confirm you manage Ana|Skip to main content|Someone has named you as their manager|Sections")
        text = "{% autoescape false %}{{ _('Confirm you manage %(name)s', name=who) }}{% endautoescape %}"
        assert render_template_string(text, who="Ana & Bo") == "Confirm you manage Ana & Bo"


@pytest.mark.parametrize("language", ["en", "fr-FR", "de-DE", "es-ES"])
def test_a_scale_numbers_its_points_as_the_number_filter_does(app, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert numbered(None, (1, 5, 1234)) == ((1, number(1)), (5, number(5)), (1234, number(1234)))
        assert numbered(None, (1234,))[0][1] == {"en": "1,234", "fr-FR": "1\u202f234"}.get(language, "1.234")
