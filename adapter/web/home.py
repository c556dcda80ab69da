"""The tool's front door: what coachbridge is, for someone who types its address.

People open coachbridge from their LMS, never from here; the page says so, and tells an
operator how to sign in (the CLI prints a one-time link) instead of answering 404.
"""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.route("/")
def front_door():
    return render_template("home.html")
