"""Pages for managers (coaches): their current mentees."""
from __future__ import annotations

from flask import Blueprint, render_template

from adapter.persistence.people_store import current_mentees

from . import components
from .auth import current_session, role_required

bp = Blueprint("manager", __name__, url_prefix="/manager")


@bp.route("/")
@role_required("manager")
def home():
    with components().engine.connect() as conn:
        mentees = current_mentees(conn, current_session().person_id)
    return render_template("manager/home.html", mentees=mentees)
