"""Pages for learners: the activity they launched into — reflect, see check-ins and
agreed actions, ask for validation, rate conversations, name a manager."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.rules import RuleViolation, whole_number
from adapter.services import coaching, relationships
from adapter.services import todo as todo_service
from adapter.services.coaching_views import learner_page
from adapter.services.todo import learner_todo

from . import submitted
from .app_components import components, page_connection
from .auth import current_session, personal_pages, session_token
from .coaching_support import (
    about_record, answer_refusals, catalog, current_viewer, done, now, saved_message, today_of, withdrawn_undo,
)
from .kept_fragments import render_page

bp = Blueprint("learner", __name__, url_prefix="/learner")
answer_refusals(bp)
SECTIONS = {"validation": "#validation-heading"}  # where the to-do list's buttons land on the activity page

SAVED = {
    "reflection": _l("Your reflection is saved."),
    "validation": _l("Your manager has been asked to validate."),
    "rating": _l("Thank you for rating the conversation."),
    "action": _l("The action is updated."),
    "nomination": _l("Your manager has been asked to confirm."),
    "withdrawn": _l("Withdrawn: your manager no longer sees it."),
    "restored": _l("Your withdrawal is undone: it is back as it was."),
    "answered": _l("Your answer is recorded."),
}


@bp.route("/")
@personal_pages
def home():
    return _page()


def _page(error: RuleViolation | None = None, status: int = 200):
    session = current_session()
    with page_connection() as conn:
        me = current_viewer()
        page = learner_page(conn, me, session.resource_link_pk, catalog(), _)
        undo = withdrawn_undo(conn, "learner.undo_withdrawal", WITHDRAWABLE)
    return render_page("learner/home.html", context=session.launch.get("context") or {},
                       error=error, form=request.form if error else {}, manages=bool(me.mentee_ids),
                       saved=saved_message(SAVED), undo=undo, **page), status


def _run(action, message: str, record_id: int | None = None):
    """Run a service call for the current viewer; a broken rule re-shows the page with it
    (about the form of record ``record_id`` when the page has one such form per record)."""
    me = current_viewer()
    try:
        action(me)
    except RuleViolation as error:
        return _page(error=about_record(error, record_id) if record_id is not None else error, status=400)
    # The to-do list's buttons come back to it; everything else to the activity page.
    return done("learner.todo" if request.form.get("back") == "todo" else "learner.home", message)


@bp.route("/reflection", methods=["POST"])
@personal_pages
def reflect():
    return _run(lambda me: coaching.submit_reflection(components().engine, me, current_session().resource_link_pk,
                                                      submitted.reflection(request.form), now()), "reflection")


@bp.route("/validation", methods=["POST"])
@personal_pages
def ask_validation():
    return _run(lambda me: coaching.ask_for_validation(components().engine, me, current_session().resource_link_pk,
                                                       request.form.get("evidence", ""), now()), "validation")


@bp.route("/conversations/<int:conversation_id>/rating", methods=["POST"])
@personal_pages
def rate(conversation_id: int):
    return _run(lambda me: coaching.rate_conversation(components().engine, me, conversation_id,
                                                      request.form.get("rating", ""), now()), "rating",
                conversation_id)


@bp.route("/actions/<int:action_id>", methods=["POST"])
@personal_pages
def update_action(action_id: int):
    return _run(lambda me: coaching.set_action_status(components().engine, me, action_id,
                                                      request.form.get("status", ""), now()), "action")


@bp.route("/nomination", methods=["POST"])
@personal_pages
def nominate():
    return _run(lambda me: relationships.nominate_manager(components().engine, me,
                                                          request.form.get("manager_email", ""), now()),
                "nomination")


WITHDRAWABLE = ("reflection", "validation")
WITHDRAWAL_CONSEQUENCES = {
    "reflection": (_l("Withdraw your reflection?"), [_l("Your manager will no longer see it."),
                                                     _l("You can write a new reflection afterwards."),
                                                     _l("For 10 minutes you can undo this from the next page.")]),
    "validation": (_l("Withdraw your request for validation?"), [_l("Your manager will no longer be asked to decide."),
                                                                 _l("You can ask again afterwards."),
                                                                 _l("For 10 minutes you can undo this from the next page.")]),
}


@bp.route("/<any(reflection, validation):record_type>/<int:record_id>/withdrawal", methods=["GET", "POST"])
@personal_pages
def withdraw(record_type: str, record_id: int):
    """GET asks for confirmation, naming what goes; POST withdraws."""
    if request.method == "GET":
        question, consequences = WITHDRAWAL_CONSEQUENCES[record_type]
        return render_template("confirm_withdrawal.html", question=question, consequences=consequences,
                               action_url=url_for("learner.withdraw", record_type=record_type, record_id=record_id),
                               cancel_url=url_for("learner.home"))
    try:
        coaching.withdraw(components().engine, current_viewer(), record_type, record_id, now())
    except RuleViolation as error:
        return _page(error=error, status=400)
    return done("learner.home", "withdrawn", undo=f"{record_type}-{record_id}")


@bp.route("/<any(reflection, validation):record_type>/<int:record_id>/undo", methods=["POST"])
@personal_pages
def undo_withdrawal(record_type: str, record_id: int):
    """Only the learner who withdrew it, for a short time (adapter/domain/withdrawal.py)."""
    return _run(lambda me: coaching.undo_withdrawal(components().engine, me, record_type, record_id, now()),
                "restored")


@bp.route("/todo")
@personal_pages
def todo():
    with page_connection() as conn:
        page = learner_todo(conn, current_viewer(), today_of(now()), _)
    return render_template("learner/todo.html", saved=saved_message(SAVED), **page)


@bp.route("/activity", methods=["POST"])
@personal_pages
def open_activity():
    link = whole_number(request.form.get("resource_link_pk"))
    if link is None:
        abort(400, description=_("Choose one of your activities."))
    todo_service.open_activity(components().engine, current_viewer(), session_token() or "", link)
    section = SECTIONS.get(request.form.get("section", ""), "")
    return redirect(url_for("learner.home") + section, code=303)


@bp.route("/my-data.<any(json, html):kind>")
@personal_pages
def my_data(kind: str):
    """Everything the tool holds about the person asking (their own export, audited)."""
    from adapter.services.personal_data import Actor, export_person

    from .export_page import export_response

    session = current_session()
    document = export_person(components().engine, session.platform_id, session.person_id,
                             Actor(session.person_id, "own page"), now())
    return export_response(document, kind, "my-coachbridge-data")
