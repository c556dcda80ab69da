"""Pages for learners: the activity they launched into."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from adapter.persistence.tables import people, resource_links

from . import components
from .auth import current_session, role_required

bp = Blueprint("learner", __name__, url_prefix="/learner")


@bp.route("/")
@role_required("learner", "manager", "instructor", "admin")
def home():
    session = current_session()
    with components().engine.connect() as conn:
        person = conn.execute(select(people).where(people.c.id == session.person_id)).mappings().first()
        link = None
        if session.resource_link_pk:
            link = conn.execute(select(resource_links).where(resource_links.c.id == session.resource_link_pk)
                                ).mappings().first()
    return render_template("learner/home.html", person=person, link=link,
                           context=session.launch.get("context") or {})
