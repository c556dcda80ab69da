"""The demo LMS's LTI Advantage services: OAuth2 token endpoint, Assignment and Grade
Services (line items, scores) and Names and Role Provisioning (course roster).

Built on lti1p3platform's token issuing and checking, with the checks it leaves out
(the client assertion's audience and replay), because the tests count on a strict peer.
"""
from __future__ import annotations

import itertools
import secrets
import threading
from typing import Any

import jwt
from flask import Flask, abort, jsonify, request
from lti1p3platform.exceptions import LtiException

from lti import claims as c

SCORE_MEDIA_TYPE = c.MEDIA_TYPE_SCORE
PAGE_SIZE = 2  # small, so that paging is exercised by the three-person course


class LmsServiceState:
    """What the services remember; the tests read it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token_requests = 0
        self.seen_assertions: set[str] = set()
        self.line_items: dict[str, dict[str, Any]] = {}
        self.scores: list[dict[str, Any]] = []
        self.ids = itertools.count(1)
        self.departed: set[str] = set()  # user ids removed from the course
        self.roster_snapshots: dict[str, set[str]] = {}  # differences token -> active ids then
        self.link_items: dict[str, str] = {}  # resource link id -> line item id
        # Set by tests to make the score endpoint fail the way a real LMS does (503, 400 …).
        self.score_failure: tuple[int, str] | None = None

    def line_item_for(self, lms_url: str, link: dict[str, Any]) -> str:
        """The gradebook column a deep-linked activity with points gets, made on first launch."""
        with self.lock:
            if link["id"] not in self.link_items:
                item_id = str(next(self.ids))
                wanted = link["line_item"]
                self.line_items[item_id] = {
                    "id": f"{lms_url}/ags/lineitems/{item_id}", "label": wanted.get("label") or link["title"],
                    "scoreMaximum": wanted.get("scoreMaximum"), "resourceLinkId": link["id"],
                    **{k: wanted[k] for k in ("resourceId", "tag") if k in wanted}}
                self.link_items[link["id"]] = item_id
            return self.line_items[self.link_items[link["id"]]]["id"]


def _bearer_scopes(lms) -> set[str]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401, description="missing bearer token")
    try:
        contents = jwt.decode(header.removeprefix("Bearer "), lms.registration.signing_key.private_key.public_key(),
                              algorithms=["RS256"], options={"verify_aud": False})
    except jwt.InvalidTokenError:
        abort(401, description="invalid or expired token")
    return set(str(contents.get("scopes", "")).split())


def _require_scope(lms, *accepted: str) -> None:
    if not _bearer_scopes(lms) & set(accepted):
        abort(403, description="token lacks the scope for this service")


def issue_access_token(lms, form: dict[str, str]) -> dict[str, Any]:
    """lti1p3platform's token issuing, made safe for a threaded server and key rotation.

    The library keeps the assertion under check on the shared config object (so one
    request at a time), and fetches the tool's key set once: an unknown key refetches it.
    """
    with lms.services.lock:
        try:
            return lms.config.get_access_token(form)
        except LtiException as error:
            if "Unable to find public key" not in str(error):
                raise
            lms.registration.set_tool_key_set(None)
            return lms.config.get_access_token(form)


def add_lms_services(app: Flask, lms) -> None:
    state = lms.services = LmsServiceState()
    base = lms.lms_url

    def line_item_url(item_id: str) -> str:
        return f"{base}/ags/lineitems/{item_id}"

    @app.post("/token")
    def token():
        form = request.form.to_dict()
        with state.lock:
            state.token_requests += 1
        try:
            assertion = jwt.decode(form.get("client_assertion", ""), options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return jsonify(error="invalid_client"), 400
        # lti1p3platform checks the signature against the tool's JWKS but neither the
        # audience nor replays; a real platform checks both.
        if assertion.get("aud") not in (lms.token_url, [lms.token_url]):
            return jsonify(error="invalid_client", error_description="assertion audience is not the token URL"), 400
        if assertion.get("iss") != lms.client_id or assertion.get("sub") != lms.client_id:
            return jsonify(error="invalid_client", error_description="assertion iss/sub is not the client id"), 400
        with state.lock:
            if assertion.get("jti") in state.seen_assertions or not assertion.get("jti"):
                return jsonify(error="invalid_client", error_description="assertion replayed"), 400
            state.seen_assertions.add(assertion["jti"])
        try:
            return jsonify(issue_access_token(lms, form))
        except (LtiException, jwt.InvalidTokenError, KeyError, AssertionError) as error:
            return jsonify(error="invalid_client", error_description=str(error)), 400

    @app.route("/ags/lineitems", methods=["GET", "POST"])
    def line_items():
        if request.method == "POST":
            _require_scope(lms, c.AGS_SCOPE_LINEITEM)
            if request.mimetype != c.MEDIA_TYPE_LINEITEM:
                abort(415, description=f"expected {c.MEDIA_TYPE_LINEITEM}")
            item = dict(request.get_json())
            item_id = str(next(state.ids))
            item["id"] = line_item_url(item_id)
            state.line_items[item_id] = item
            return jsonify(item), 201
        _require_scope(lms, c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_LINEITEM_READONLY)
        items = [i for i in state.line_items.values()
                 if all(i.get(field) == request.args[param] for param, field in
                        (("resource_link_id", "resourceLinkId"), ("tag", "tag")) if param in request.args)]
        response = jsonify(items)
        response.mimetype = c.MEDIA_TYPE_LINEITEM_CONTAINER
        return response

    @app.get("/ags/lineitems/<item_id>")
    def line_item(item_id: str):
        _require_scope(lms, c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_LINEITEM_READONLY)
        if item_id not in state.line_items:
            abort(404)
        return jsonify(state.line_items[item_id])

    @app.post("/ags/lineitems/<item_id>/scores")
    def scores(item_id: str):
        _require_scope(lms, c.AGS_SCOPE_SCORE)
        if state.score_failure:
            status, message = state.score_failure
            return jsonify(error="unavailable" if status >= 500 else "invalid_request", error_description=message), status
        if item_id not in state.line_items:
            abort(404, description="no such line item")
        if request.mimetype != SCORE_MEDIA_TYPE:
            abort(415, description=f"expected {SCORE_MEDIA_TYPE}")
        score = request.get_json()
        for field in ("userId", "activityProgress", "gradingProgress", "timestamp"):
            if field not in score:
                abort(400, description=f"score without {field}")
        with state.lock:
            earlier = [s for s in state.scores if s["lineitem"] == item_id and s["userId"] == score["userId"]]
            if earlier and earlier[-1]["timestamp"] >= score["timestamp"]:
                # AGS: a score is only newer if its timestamp is; the platform refuses older ones.
                abort(409, description="score timestamp is not after the previous one")
            state.scores.append({**score, "lineitem": item_id})
        return "", 204

    @app.get("/nrps/memberships")
    def memberships():
        _require_scope(lms, c.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY)
        active = {p.user_id: p for p in lms.people.values() if p.user_id not in state.departed}
        since = request.args.get("since")
        if since is not None:  # the differences URL: who joined or left since that read
            known = state.roster_snapshots.get(since, set())
            joined = [active[user_id] for user_id in active if user_id not in known]
            left = sorted((known | state.departed) - set(active))
        else:
            joined, left = list(active.values()), sorted(state.departed)
        members = [{"user_id": p.user_id, "name": p.name, "email": p.email, "roles": list(p.roles),
                    "status": "Active", **({"role_scope_mentor": list(p.mentees)} if p.mentees else {})}
                   for p in joined]
        members += [{"user_id": user_id, "roles": [], "status": "Deleted"} for user_id in left]
        offset = int(request.args.get("offset", 0))
        page = members[offset:offset + PAGE_SIZE]
        snapshot = secrets.token_hex(8)
        state.roster_snapshots[snapshot] = set(active)
        links = [f'<{base}/nrps/memberships?since={snapshot}>; rel="differences"']
        if offset + PAGE_SIZE < len(members):
            query = f"since={since}&" if since is not None else ""
            links.append(f'<{base}/nrps/memberships?{query}offset={offset + PAGE_SIZE}>; rel="next"')
        response = jsonify({"id": request.url, "context": {"id": lms.course_id}, "members": page})
        response.mimetype = c.MEDIA_TYPE_MEMBERSHIP_CONTAINER
        response.headers["Link"] = ", ".join(links)
        return response


def service_claims(lms, link: dict[str, Any] | None) -> dict[str, Any]:
    """The AGS and NRPS claims the demo LMS puts in every launch; a link placed with
    points also gets its own line item."""
    ags: dict[str, Any] = {
        "scope": [c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_LINEITEM_READONLY, c.AGS_SCOPE_SCORE],
        "lineitems": f"{lms.lms_url}/ags/lineitems",
    }
    if link and link.get("line_item"):
        ags["lineitem"] = lms.services.line_item_for(lms.lms_url, link)
    return {c.AGS_ENDPOINT: ags,
            c.NRPS: {"context_memberships_url": f"{lms.lms_url}/nrps/memberships", "service_versions": ["2.0"]}}
