"""Pages for managers (coaches): the team, one mentee's records, conversation forms,
validation decisions and nominations to confirm.

Open to the Mentor role and to anyone the tool knows manages people (a manager known
from an import or a nomination may launch without the Mentor role); what the pages
show is cut to the viewer's current mentees."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.coaching import next_date_label
from adapter.domain.rules import RuleViolation, whole_number
from adapter.persistence import coaching_store
from adapter.persistence.coaching_reads import names
from adapter.services import coaching, relationships
from adapter.services import todo as todo_service
from adapter.services.coaching_views import activity_statuses, mentee_page, mentee_summary, team_page
from adapter.services.todo import manager_todo

from . import submitted
from .app_components import components, page_connection
from .auth import current_session, manager_required
from .formatting import day_text
from .i18n import rule_problem
from .coaching_support import (
    about_record, answer_refusals, catalog, current_viewer, done, now, saved_message, today, today_of,
    withdrawn_undo,
)
from .roster import sync_current_course

bp = Blueprint("manager", __name__, url_prefix="/manager")
answer_refusals(bp)

SAVED = {
    "conversation": _l("The conversation is recorded."),
    "validation": _l("Your decision is recorded."),
    "answered": _l("Your answer is recorded."),
    "withdrawn": _l("The conversation is withdrawn, with the actions agreed in it."),
    "cadence": _l("Your check-in rhythm is saved."),
    "action": _l("The action is marked done."),
    "restored": _l("The withdrawal is undone: the conversation and its actions are back as they were."),
}


@bp.route("/")
@manager_required
def home():
    with page_connection() as conn:
        page = team_page(conn, current_viewer(), current_session().resource_link_pk)
    return render_template("manager/home.html", saved=saved_message(SAVED), today=today(),
                           synced=whole_number(request.args.get("synced")), **page)


@bp.route("/roster", methods=["POST"])
@manager_required
def roster():
    return sync_current_course("manager.home")


@bp.route("/team/<int:learner_id>")
@manager_required
def mentee(learner_id: int):
    return _mentee_page(learner_id)


def _mentee_page(learner_id: int, error: RuleViolation | None = None, status: int = 200):
    with page_connection() as conn:
        page = mentee_page(conn, current_viewer(), learner_id, catalog(), _)
        undo = withdrawn_undo(conn, "manager.undo_withdrawal", ("conversation",))
    return render_template("manager/mentee.html", saved=saved_message(SAVED), error=error, undo=undo,
                           form=request.form if error else {},
                           templates=sorted(catalog().by_key.values(), key=lambda t: (t.kind, t.title)),
                           launched_template=_launched_template(), **page), status


def _launched_template() -> str:
    """The template the instructor set on the activity this launch came from, if any:
    a manager launched from a GROW activity starts a GROW conversation by default."""
    custom = current_session().launch.get("custom") or {}
    key = custom.get("template", "")
    return key if key in catalog().by_key else "check-in"


@bp.route("/team/<int:learner_id>/conversation", methods=["GET", "POST"])
@manager_required
def conversation(learner_id: int):
    template = catalog().by_key.get(request.values.get("template") or _launched_template())
    if template is None:
        abort(404, description=_("There is no such conversation template."))
    session = current_session()
    with page_connection() as conn:
        me = current_viewer()
        me.require_mentee(learner_id)
        open_actions = coaching_store.actions_of(conn, learner_id, open_only=True)
        activities = activity_statuses(conn, learner_id, [])
        learner = mentee_summary(conn, learner_id, session.resource_link_pk)
    error = None
    if request.method == "POST":
        try:
            coaching.hold_conversation(components().engine, me, template,
                                       submitted.conversation(request.form, learner_id, template, open_actions),
                                       now())
        except RuleViolation as broken:
            error = broken
        else:
            return done("manager.mentee", "conversation", learner_id=learner_id)
    launched_link = session.resource_link_pk if any(a["id"] == session.resource_link_pk for a in activities) else None
    defaults = {"held_on": today().isoformat(), "resource_link_pk": str(launched_link or "")}
    return render_template("manager/conversation.html", template=template, learner_id=learner_id,
                           learner=learner, open_actions=open_actions, activities=activities, error=error,
                           form=request.form if request.method == "POST" else defaults,
                           rows=range(submitted.NEW_ACTION_ROWS), next_label=next_date_label(template.kind)
                           ), 400 if error else 200


@bp.route("/actions/<int:action_id>", methods=["POST"])
@manager_required
def close_action(action_id: int):
    """A manager closes an action (their own or the learner's) without recording a conversation."""
    me = current_viewer()
    action = coaching.set_action_status(components().engine, me, action_id, "done", now())
    return done("manager.mentee", "action", learner_id=action.learner_id)


@bp.route("/conversations/<int:conversation_id>/withdrawal", methods=["GET", "POST"])
@manager_required
def withdraw_conversation(conversation_id: int):
    """GET asks for confirmation, naming what goes; POST withdraws."""
    me = current_viewer()
    if request.method == "GET":
        with page_connection() as conn:
            talk = coaching_store.get_conversation(conn, conversation_id)
            if talk is None or not talk.may_be_withdrawn_by(me):
                abort(404, description=_("There is no such record, or it is not yours to withdraw."))
            name = names(conn, {talk.learner_id})[talk.learner_id]
        template = catalog().by_key.get(talk.template)
        return render_template(
            "confirm_withdrawal.html",
            question=_("Withdraw the %(conversation)s with %(name)s on %(day)s?",
                       conversation=template.title if template else _("conversation"), name=name,
                       day=day_text(talk.held_on)),
            consequences=[_("%(name)s will no longer see it, and the actions agreed in it are withdrawn with it.",
                            name=name),
                          _("The learning record store is told to disregard what it was sent about it."),
                          _("Withdraw only a conversation recorded for the wrong person or one that did not take "
                            "place.")],
            action_url=url_for("manager.withdraw_conversation", conversation_id=conversation_id),
            cancel_url=url_for("manager.mentee", learner_id=talk.learner_id))
    withdrawn = coaching.withdraw_conversation(components().engine, me, conversation_id, now())
    return done("manager.mentee", "withdrawn", learner_id=withdrawn.learner_id, undo=f"conversation-{conversation_id}")


@bp.route("/<any(conversation):record_type>/<int:record_id>/undo", methods=["POST"])
@manager_required
def undo_withdrawal(record_type: str, record_id: int):
    """Only the manager who withdrew it, for a short time (adapter/domain/withdrawal.py)."""
    try:
        restored = coaching.undo_withdrawal(components().engine, current_viewer(), record_type, record_id, now())
    except RuleViolation as broken:
        return _refused(broken, _l("Nothing is undone: %(problem)s."))
    return done("manager.mentee", "restored", learner_id=restored.learner_id)


def _refused(broken: RuleViolation, nothing_done: object):
    """A form of the mentee page broke a rule: that page again with the problem (the form
    names its learner), or a plain 400 when it does not."""
    learner_id = whole_number(request.form.get("learner_id"))
    if learner_id is None:
        abort(400, description=str(nothing_done) % {"problem": rule_problem(broken)})
    return _mentee_page(learner_id, error=broken, status=400)


@bp.route("/validations/<int:request_id>", methods=["POST"])
@manager_required
def decide(request_id: int):
    me = current_viewer()
    try:
        decided = coaching.decide_validation(components().engine, me, request_id, request.form.get("outcome", ""),
                                             request.form.get("feedback", ""), now())
    except RuleViolation as broken:
        return _refused(about_record(broken, request_id), _l("The decision is not recorded: %(problem)s."))
    return done("manager.mentee", "validation", learner_id=decided.learner_id)


@bp.route("/nominations/<int:nomination_id>", methods=["POST"])
@manager_required
def answer_nomination(nomination_id: int):
    me = current_viewer()
    confirmed = request.form.get("answer") == "confirm"
    relationships.decide_nomination(components().engine, me, nomination_id, confirmed, now())
    # Declining may leave nobody to manage: back to the page the launch role opens.
    return done("manager.home" if confirmed else f"{current_session().app_roles[0]}.home", "answered")


@bp.route("/todo")
@manager_required
def todo():
    moment = now()
    with page_connection() as conn:
        page = manager_todo(conn, current_viewer(), today_of(moment), moment)
    return render_template("manager/todo.html", saved=saved_message(SAVED), error=None, form={}, **page)


@bp.route("/cadence", methods=["POST"])
@manager_required
def cadence():
    try:
        todo_service.set_cadence(components().engine, current_viewer(), request.form.get("weeks", ""), now())
    except RuleViolation as broken:
        moment = now()
        with page_connection() as conn:
            page = manager_todo(conn, current_viewer(), today_of(moment), moment)
        return render_template("manager/todo.html", saved="", error=broken, form=request.form, **page), 400
    return done("manager.todo", "cadence")
