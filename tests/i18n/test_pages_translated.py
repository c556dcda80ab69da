"""The admin, instructor, report and registration pages, their rule errors, the LTI
rejection page and the report downloads speak the reader's language: in the accented
pseudo-locale (generated from the template, never hand-written) every text a test picks
reads as the pseudo-locale writes it, and its English source no longer shows."""
from __future__ import annotations

import csv
import html
import io

import pytest

from adapter.config import Settings
from adapter.translations.pseudo import ACCENTED, pseudo_text
from adapter.web import create_app

from .test_locale_choice import BASE, Tool


@pytest.fixture
def tool(tmp_path):
    """Two platforms; ``tool.launch(sub, locale, role)`` signs a browser in as after a launch."""
    return Tool(create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path),
                                              "COACHBRIDGE_PSEUDO_LOCALES": "1"})))


def text_of(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


@pytest.mark.parametrize("path, msgids", [
    ("/admin/", ("Administration", "Registered platforms", "Who manages whom")),
    ("/admin/lrs", ("LRS endpoints and privacy", "Save privacy options")),
    ("/admin/reports", ("Organisation outcomes", "Is learning applied?", "What the numbers mean",
                        "Median time to a validation decision")),
    ("/admin/reports/by-team", ("Why some figures are hidden", "Privacy of these reports")),
    ("/admin/reports/over-time", ("Outcomes over time",)),
    ("/admin/retention", ("How long personal data is kept",)),
    ("/admin/audit", ("Audit trail",)),
    ("/admin/relationships", ("Import manager relationships",)),
    ("/admin/people", ("LMS user id or email",)),
])
def test_admin_pages_speak_the_launch_locale(tool, path, msgids):
    page = tool.launch("ada", ACCENTED, role="admin").get(path, base_url=BASE)
    assert page.status_code == 200, page.data[:300]
    for msgid in msgids:
        assert pseudo_text(msgid) in text_of(page), msgid


def test_the_instructor_pages_speak_it_too(tool):
    home = text_of(tool.launch("ines", ACCENTED, role="instructor").get("/instructor/", base_url=BASE))
    assert pseudo_text("This launch did not come from a course.") in home
    assert "This launch did not come from a course." not in home


def test_a_measures_definition_and_the_charts_are_translated(tool):
    page = text_of(tool.launch("ada", ACCENTED, role="admin").get("/admin/reports", base_url=BASE))
    definition = "Of the agreed actions whose due date is before the report date, the share marked done " \
                 "on or before their due date. Open and dropped actions count as not done."
    assert pseudo_text(definition) in page and definition not in page
    assert pseudo_text("Coaching: follow-through and quality") in page  # the chart's title, in its <title>
    assert pseudo_text("no data yet") in page and ">no data yet<" not in page


def test_a_broken_rule_is_explained_in_the_readers_language(tool):
    admin = tool.launch("ada", ACCENTED, role="admin")
    answer = admin.post("/admin/retention", base_url=BASE, data={
        "csrf_token": admin.csrf, "platform_id": str(tool.platforms[0]), "private_notes_days": "soon"})
    assert answer.status_code == 400
    expected = pseudo_text("%(field)s must be a whole number from 1, or empty to keep") % {
        "field": pseudo_text("Private notes days")}
    page = text_of(answer)
    assert expected in page and "a whole number from 1, or empty to keep" not in page


def test_an_upload_problem_names_its_line_in_the_readers_language(tool):
    admin = tool.launch("ada", ACCENTED, role="admin")
    answer = admin.post("/admin/relationships", base_url=BASE, data={
        "csrf_token": admin.csrf, "platform_id": str(tool.platforms[0]),
        "csv_text": "learner_email,manager_email\nana@example.org,\n"})
    assert answer.status_code == 400
    expected = pseudo_text("line %(line)d: %(problem)s") % {"line": 2,
                                                           "problem": pseudo_text("no manager user id or email")}
    assert expected in text_of(answer)


def test_an_lti_rejection_is_explained_in_the_browsers_language(tool):
    answer = tool.app.test_client().post("/lti/launch", base_url=BASE, data={"id_token": "x"},
                                         headers={"Accept-Language": ACCENTED})
    assert answer.status_code == 400
    page = text_of(answer)
    assert pseudo_text("The launch arrived without its state.") in page
    assert "The launch arrived without its state." not in page


def test_a_report_download_has_translated_headers_and_words_but_english_keys(tool):
    download = tool.launch("ada", ACCENTED, role="admin").get("/admin/reports.csv", base_url=BASE)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][:3] == [pseudo_text("group"), pseudo_text("measure"), pseudo_text("label")]
    decision = next(row for row in rows[1:] if row[1] == "decision_days")  # the key stays: it is an identifier
    assert decision[2] == pseudo_text("Median time to a validation decision")


def test_english_stays_english(tool):
    page = text_of(tool.launch("ada", "en", role="admin").get("/admin/", base_url=BASE))
    assert ">Administration<" in page and pseudo_text("Administration") not in page
