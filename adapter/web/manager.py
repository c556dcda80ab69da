"""Pages for managers (coaches): the team, one mentee's records, conversation forms,
validation decisions and nominations to confirm.

Open to the Mentor role and to anyone the tool knows manages people (a manager known
from an import or a nomination may launch without the Mentor role); what the pages
show is cut to the viewer's current mentees."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, render_template, request

from adapter.domain.coaching import actions_label, next_date_label
from adapter.domain.rules import RuleViolation
from adapter.persistence import coaching_store
from adapter.persistence.relationships_store import pending_nominations
from adapter.services import coaching, relationships
from adapter.services.coaching_views import activity_statuses, mentee_page, team_page
from adapter.services import todo as todo_service
from adapter.services.todo import manager_todo

from . import components
from .auth import current_session, role_required
from .coaching_support import (
    answer_refusals, catalog, current_viewer, done, now, saved_message, today_of, viewer,
)

bp = Blueprint("manager", __name__, url_prefix="/manager")
answer_refusals(bp)
NEW_ACTION_ROWS = 3



def manager_required(view):
    """The Mentor role, or current mentees, or a nomination waiting for this person."""
    @wraps(view)
    @role_required("learner", "manager", "instructor", "admin")
    def wrapped(*args, **kwargs):
        if "manager" not in current_session().app_roles:
            with components().engine.connect() as conn:
                me = viewer(conn)
                if not me.mentee_ids and not pending_nominations(conn, manager_id=me.person_id):
                    abort(403, description="This page is for managers; nobody has named you as their manager.")
        return view(*args, **kwargs)
    return wrapped


SAVED = {
    "conversation": "The conversation is recorded.",
    "validation": "Your decision is recorded.",
    "nomination": "Your answer is recorded.",
    "withdrawn": "The conversation is withdrawn, with the actions agreed in it.",
    "cadence": "Your check-in rhythm is saved.",
}


@bp.route("/")
@manager_required
def home():
    with components().engine.connect() as conn:
        page = team_page(conn, viewer(conn))
    return render_template("manager/home.html", saved=saved_message(SAVED), **page)


@bp.route("/team/<int:learner_id>")
@manager_required
def mentee(learner_id: int):
    return _mentee_page(learner_id)


def _mentee_page(learner_id: int, error: RuleViolation | None = None, status: int = 200):
    with components().engine.connect() as conn:
        page = mentee_page(conn, viewer(conn), learner_id, catalog())
    return render_template("manager/mentee.html", saved=saved_message(SAVED), error=error,
                           templates=sorted(catalog().by_key.values(), key=lambda t: (t.kind, t.title)),
                           **page), status


@bp.route("/team/<int:learner_id>/conversation", methods=["GET", "POST"])
@manager_required
def conversation(learner_id: int):
    template = catalog().by_key.get(request.values.get("template", "check-in"))
    if template is None:
        abort(404, description="There is no such conversation template.")
    with components().engine.connect() as conn:
        me = viewer(conn)
        if not me.manages(learner_id):
            abort(404, description="There is no such record, or it is not yours to see.")
        open_actions = coaching_store.actions_of(conn, learner_id, open_only=True)
        activities = activity_statuses(conn, learner_id, [])
    error = None
    if request.method == "POST":
        form = request.form
        new_actions = [{"description": form.get(f"action_{i}_description", ""),
                        "owner": form.get(f"action_{i}_owner", "learner"),
                        "due_on": form.get(f"action_{i}_due_on", "")} for i in range(NEW_ACTION_ROWS)]
        carried = {a.id: form.get(f"carried_{a.id}", a.status) for a in open_actions}
        link = form.get("resource_link_pk", "")
        try:
            coaching.hold_conversation(components().engine, me, learner_id, template,
                                       int(link) if link.isdigit() else None, form.to_dict(), new_actions,
                                       carried, now())
        except RuleViolation as broken:
            error = broken
        else:
            return done("manager.mentee", "conversation", learner_id=learner_id)
    return render_template("manager/conversation.html", template=template, learner_id=learner_id,
                           open_actions=open_actions, activities=activities, error=error,
                           form=request.form, rows=range(NEW_ACTION_ROWS),
                           next_label=next_date_label(template.kind),
                           actions_label=actions_label(template.kind)), 400 if error else 200


@bp.route("/conversations/<int:conversation_id>/withdrawal", methods=["POST"])
@manager_required
def withdraw_conversation(conversation_id: int):
    me = current_viewer()
    withdrawn = coaching.withdraw_conversation(components().engine, me, conversation_id, now())
    return done("manager.mentee", "withdrawn", learner_id=withdrawn.learner_id)


@bp.route("/validations/<int:request_id>", methods=["POST"])
@manager_required
def decide(request_id: int):
    me = current_viewer()
    try:
        decided = coaching.decide_validation(components().engine, me, request_id, request.form.get("outcome", ""),
                                             request.form.get("feedback", ""), now())
    except RuleViolation as broken:
        learner_id = int(request.form.get("learner_id", "0") or 0)
        return _mentee_page(learner_id, error=broken, status=400)
    return done("manager.mentee", "validation", learner_id=decided.learner_id)


@bp.route("/nominations/<int:nomination_id>", methods=["POST"])
@manager_required
def answer_nomination(nomination_id: int):
    me = current_viewer()
    relationships.decide_nomination(components().engine, me, nomination_id,
                                    request.form.get("answer") == "confirm", now())
    return done("manager.home", "nomination")


@bp.route("/todo")
@manager_required
def todo():
    moment = now()
    with components().engine.connect() as conn:
        page = manager_todo(conn, viewer(conn), today_of(moment), moment)
    return render_template("manager/todo.html", saved=saved_message(SAVED), error=None, **page)


@bp.route("/cadence", methods=["POST"])
@manager_required
def cadence():
    try:
        todo_service.set_cadence(components().engine, current_viewer(), request.form.get("weeks", ""), now())
    except RuleViolation as broken:
        moment = now()
        with components().engine.connect() as conn:
            page = manager_todo(conn, viewer(conn), today_of(moment), moment)
        return render_template("manager/todo.html", saved="", error=broken, **page), 400
    return done("manager.todo", "cadence")
