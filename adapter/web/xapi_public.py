"""Public xAPI resources: the xAPI Profile describing the IRIs coachbridge coins.

Served at a stable URL without sign-in, so that whoever reads the statements in an LRS
can look up what ``https://w3id.org/xapi/coachbridge/...`` terms mean.
"""
from __future__ import annotations

import json
from functools import lru_cache

from flask import Blueprint, Response

from xapi.mapping import load_mapping
from xapi.profile import profile_document

bp = Blueprint("xapi_public", __name__, url_prefix="/xapi")


@lru_cache(maxsize=1)
def _profile_json() -> str:
    return json.dumps(profile_document(load_mapping()), indent=2, sort_keys=True)


@bp.route("/profile")
def profile():
    response = Response(_profile_json(), content_type="application/ld+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
