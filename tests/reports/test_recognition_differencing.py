"""The recognition list filtered, subtracted from the same quarter's list less filtered
(issue 20, Deliver 4 and 5): the quarter is never removed on that page, so the whole list
is withheld, and a manager's row hidden, when removing its other filters would bring in
1 to k−1 learners' records of that quarter. On the organisation of test_breakdowns (Maria
6 learners, Zoe 5, Omar 2; each had a rated feedback-course check-in in May 2026, all rated
4; Cai, one of Maria's, also has delegation-course records in June)."""
from __future__ import annotations

import csv
import io
import re

import pytest

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters
from adapter.domain.targets import Quarter
from adapter.reports.recognition import as_csv, chosen_measures, recognised_managers

from .seeded import AS_OF
from .test_breakdowns import company  # noqa: F401  (the fixture)
from .test_row_differencing import _delegation_talks, _k3

Q2 = Quarter(2026, 2)


def _listed(engine, filters=Filters()):
    with engine.connect() as conn:
        return recognised_managers(conn, AdminScope.operator(), Q2, chosen_measures(["usefulness"]),
                                   AS_OF, filters)


def _shown_in_csv(recognition):
    return _shown_in_csv_text(as_csv(recognition))


def _shown_in_csv_text(text):
    """(manager, their figure, the organisation's) per line of a download."""
    return [(line["manager"], line["usefulness"], line["organisation:usefulness"])
            for line in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize("zoe_outside_course", [0, 5])
def test_a_managers_row_in_one_course_cannot_be_subtracted_from_the_whole_quarter(
        engine, company, zoe_outside_course):  # noqa: F811
    org, managers, learners = company
    _k3(engine, org)
    # The quarter outside the feedback course: Cai, Omar's two, and Zoe's five or none of them.
    _delegation_talks(engine, org, managers["omar"], learners["omar"])
    _delegation_talks(engine, org, managers["zoe"], learners["zoe"][:zoe_outside_course])
    whole = _listed(engine)
    assert [row.name for row in whole.managers] == ["Maria"]  # Zoe's row hidden beside Omar's two
    in_course = _listed(engine, Filters(course_id=org.feedback_course))
    assert in_course.organisation.cell("usefulness").display == "4.0 / 5"  # the list is not withheld
    # Maria's row for the quarter less her row for the quarter in the course: Cai's records alone.
    # Zoe's differs by none (or by five): listed, now that Maria's hidden row covers Omar's.
    assert [row.name for row in in_course.managers] == ["Zoe"]
    assert _shown_in_csv(in_course) == [("Zoe", "4.00", "4.00")]
    assert _shown_in_csv(whole) == [("Maria", "4.00", "4.00")]


def test_a_course_list_is_withheld_when_the_quarter_outside_it_is_a_small_group(engine, company):  # noqa: F811
    org, managers, learners = company
    # Outside the feedback course, all time: Cai (June) and Zoe's five (February), k or more;
    # in the second quarter, Cai alone. The list for the quarter in the course less the list
    # for the whole quarter would be his records.
    _delegation_talks(engine, org, managers["zoe"], learners["zoe"], held_on="2026-02-12")
    listed = _listed(engine, Filters(course_id=org.feedback_course))
    assert listed.organisation.learners is None and listed.organisation.cell("usefulness").hidden
    assert listed.managers == [] and _shown_in_csv(listed) == []
    assert _listed(engine).organisation.cell("usefulness").display == "4.0 / 5"  # the whole quarter's is shown


def test_the_downloaded_list_is_the_page_s_list(engine, company, database_url, tmp_path):  # noqa: F811
    from adapter.config import Settings
    from adapter.web import create_app
    from adapter.web.breakdown_pages import filters_from_url
    from adapter.web.recognition_page import recognition_answer

    org, managers, learners = company
    _k3(engine, org)
    _delegation_talks(engine, org, managers["omar"], learners["omar"])
    app = create_app(Settings.from_env({"DATABASE_URL": database_url, "COACHBRIDGE_INSTANCE": str(tmp_path)}))
    query = f"/admin/reports/recognition?quarter=2026-Q2&measure=usefulness&course={org.feedback_course}"

    def answer(extra=""):
        with app.test_request_context(query + extra):
            return recognition_answer(AdminScope.operator(), "recognition_page.recognition",
                                      filters_from_url({org.platform_id}))
    page = answer()
    shown = re.findall(r'<tr><th scope="row">([^<]*)</th><td class="number"[^>]*>([^<]*)</td>', page)
    assert shown[1:] == [("Zoe", "4.0 / 5")]  # after the organisation's bar; Maria's row is hidden
    assert f"course={org.feedback_course}" in page  # the download keeps the page's filters
    downloaded = _shown_in_csv_text(answer("&format=csv").get_data(as_text=True))
    assert [name for name, _, _ in downloaded] == [name for name, _ in shown[1:]]
    assert downloaded == [("Zoe", "4.00", "4.00")]
