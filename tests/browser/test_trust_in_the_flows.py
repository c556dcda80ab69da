"""The walk-through's rough edges, each checked in Chromium the way a person meets it:
no rating is recorded by accident, withdrawals ask first, the manager's form starts from
what the launch said and keeps what was typed, a learner closes only their own actions."""
from __future__ import annotations

import re

import pytest

from tests.peers.lti_platform import full_launch

from .conftest import check_accessibility

pytestmark = pytest.mark.browser


def _record_check_in(tool, action: str, owner_label: str) -> None:
    tool.get_by_role("rowheader").get_by_role("link").first.click()
    tool.get_by_role("radio", name="Check-in").check()
    tool.get_by_role("button", name="Start").click()
    tool.get_by_label("What has the learner applied since the last check-in?").fill("Ran the retro")
    tool.get_by_label("What did they learn from doing it?").fill("Silence is useful")
    tool.get_by_label("What should they focus on next?").fill("Peers")
    tool.get_by_label("Action 1").fill(action)
    tool.get_by_label("Who does it").first.select_option(label=owner_label)
    tool.get_by_role("button", name="Save the conversation").click()
    tool.get_by_text("The conversation is recorded.").wait_for()


def test_rating_starts_unchosen_and_a_learner_cannot_close_the_managers_action(page, peers, people):
    learner, manager = people
    full_launch(peers, manager)
    full_launch(peers, learner)
    page.goto(peers.lms.login_url(manager, "rl-feedback"))
    _record_check_in(page, "Book the refresher", "You")

    page.goto(peers.lms.login_url(learner, "rl-feedback"))
    rating = page.get_by_label("How useful was this conversation?")
    assert rating.input_value() == ""  # nothing preset: "Rate" alone records nothing
    page.get_by_role("button", name="Rate").click()
    assert page.evaluate("document.querySelector('select[name=rating]').validity.valueMissing")
    assert page.get_by_text("Thank you for rating").count() == 0
    assert "Book the refresher" in page.content()
    assert page.get_by_role("button", name="Mark done: Book the refresher").count() == 0
    check_accessibility(page, "learner-after-check-in", page)


def test_withdrawing_asks_first_no_keeps_the_record_and_undo_brings_it_back(page, peers, people):
    learner, _ = people
    page.goto(peers.lms.login_url(learner, "rl-feedback"))
    page.get_by_label("What I learned").fill("Name the behaviour")
    page.get_by_label("How I will apply it at work").fill("In reviews")
    page.get_by_label("4").check()
    page.get_by_role("button", name="Save my reflection").click()
    page.get_by_role("link", name=re.compile("Withdraw my reflection")).click()
    page.get_by_role("heading", name="Withdraw your reflection?").wait_for()
    check_accessibility(page, "confirm-withdrawal", page)
    page.get_by_role("link", name="No, keep it").click()
    assert page.get_by_label("What I learned").input_value() == "Name the behaviour"
    page.get_by_role("link", name=re.compile("Withdraw my reflection")).click()
    page.get_by_role("button", name="Yes, withdraw it").click()
    page.get_by_text("Withdrawn: your manager no longer sees it.").wait_for()
    assert page.get_by_label("What I learned").input_value() == ""
    check_accessibility(page, "learner-withdrawn-with-undo", page)
    page.get_by_role("button", name="Undo").click()  # a wrong click, taken back at once
    page.get_by_text("back as it was").wait_for()
    assert page.get_by_label("What I learned").input_value() == "Name the behaviour"
    assert page.get_by_role("button", name="Undo").count() == 0


def test_manager_form_starts_from_the_launch_and_keeps_what_was_typed(page, peers, people):
    learner, manager = people
    peers.lms.links["rl-grow"] = {"id": "rl-grow", "title": "Delegation with GROW",
                                  "custom": {"kind": "coaching", "template": "grow"}}
    full_launch(peers, manager, "rl-grow")
    full_launch(peers, learner, "rl-grow")
    page.goto(peers.lms.login_url(manager, "rl-grow"))
    page.get_by_role("rowheader").get_by_role("link").first.click()
    assert page.get_by_role("radio", name="GROW").is_checked()  # the activity's template
    page.get_by_role("button", name="Start").click()
    page.get_by_role("heading", name=re.compile(r"^GROW with Lena Browser")).wait_for()
    assert page.get_by_label("Activity it is about").input_value() != ""  # the launched activity
    page.get_by_label("Date held").fill("2999-01-01")  # in the future: refused
    page.get_by_label("Action 1").fill("Delegate the weekly report")
    page.get_by_label("Who does it").first.select_option(label="You")
    for field in page.locator("textarea[required]").all():
        field.fill("Something")
    page.get_by_role("button", name="Save the conversation").click()
    page.get_by_role("alert").wait_for()
    assert page.get_by_label("Who does it").first.input_value() == "manager"  # kept on the error
    assert page.get_by_label("Action 1").input_value() == "Delegate the weekly report"
    check_accessibility(page, "manager-grow-form-error", page)


def test_deep_linking_shows_every_problem_beside_its_field_and_keeps_what_was_typed(page, peers):
    page.goto(peers.lms.login_url("instructor-ivan", "deep-link"))
    page.get_by_label("Coaching conversation").check()
    page.get_by_label("Conversation template").select_option(label="Check-in")  # not a coaching template
    page.get_by_label("Points in the gradebook").fill("5000")
    page.get_by_role("button", name="Add to the course").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    page.wait_for_load_state("load")  # focus_message.js (deferred) has run: the alert shows before it does
    assert "Please fix these 4 things" in summary.inner_text()
    for field in ("template", "title", "activity_iri", "points"):
        assert summary.locator(f'a[href="#{field}"]').count() == 1  # each problem links to its field
        assert page.locator(f"#{field}-error").is_visible()
    assert page.evaluate("document.activeElement.id") == "page-message"  # the focus is on the summary
    assert page.get_by_label("Points in the gradebook").input_value() == "5000"
    assert page.get_by_label("Coaching conversation").is_checked()
    check_accessibility(page, "instructor-deep-link-errors", page)


def _every_problem_links_to_its_field(page, count: int, names: list[str]) -> None:
    summary = page.get_by_role("alert")
    summary.wait_for()
    page.wait_for_load_state("load")  # focus_message.js (deferred) has run: the alert shows before it does
    assert f"Please fix these {count} things" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "page-message"  # heard first
    for name in names:
        assert summary.locator(f'a[href="#{name}"]').count() == 1, name
        assert page.locator(f"#{name}-error").is_visible(), name
        assert page.locator(f"#{name}").get_attribute("aria-describedby") == f"{name}-error" or \
            page.locator(f"#{name}").evaluate("e => e.closest('fieldset').getAttribute('aria-invalid')") == "true"


def test_the_learner_and_manager_forms_show_every_problem_at_once_and_keep_what_was_typed(page, peers, people):
    learner, manager = people
    full_launch(peers, manager)
    page.goto(peers.lms.login_url(learner, "rl-feedback"))
    page.get_by_label("Support I need (optional)").fill("Time with a mentor")
    page.get_by_role("button", name="Save my reflection").click()
    _every_problem_links_to_its_field(page, 3, ["learned", "applying", "confidence"])
    assert page.get_by_label("Support I need (optional)").input_value() == "Time with a mentor"
    check_accessibility(page, "learner-reflection-errors", page)

    page.goto(peers.lms.login_url(manager, "rl-feedback"))
    page.get_by_role("rowheader").get_by_role("link").first.click()
    page.get_by_role("radio", name="Check-in").check()
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Date held").fill("2999-01-01")  # in the future
    page.get_by_label("What did they learn from doing it?").fill("Silence is useful")
    page.get_by_label("Action 2").fill("Book the refresher")
    page.get_by_label("Due").nth(1).fill("2000-01-01")  # before the conversation
    page.get_by_role("button", name="Save the conversation").click()
    _every_problem_links_to_its_field(page, 4, ["held_on", "f-progress", "f-next_focus", "action_1_due_on"])
    assert page.get_by_label("What did they learn from doing it?").input_value() == "Silence is useful"
    assert page.get_by_label("Action 2").input_value() == "Book the refresher"
    check_accessibility(page, "manager-conversation-errors", page)


def test_an_admin_form_shows_every_problem_at_once_and_keeps_what_was_typed(page, peers):
    page.goto(peers.lms.login_url("admin-ada", "rl-feedback"))
    page.goto(re.match(r"https?://[^/]+", page.url).group(0) + "/admin/lrs/new")
    page.get_by_label(re.compile("^Name")).fill("has spaces")
    page.get_by_label(re.compile("^xAPI endpoint")).fill("not a web address")
    page.get_by_label(re.compile("^Batch size")).fill("0")
    page.get_by_role("button", name=re.compile("^(Save|Add)")).first.click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    for name in ("name", "endpoint", "batch_size"):
        assert summary.locator(f'a[href="#{name}"]').count() == 1, name
        assert page.locator(f"#{name}-error").is_visible(), name
    assert page.get_by_label(re.compile("^xAPI endpoint")).input_value() == "not a web address"
    check_accessibility(page, "admin-lrs-errors", page)
