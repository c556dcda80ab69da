"""A tiny in-memory LRS for ``coachbridge demo``: somewhere for statements to arrive and
be looked at, with nothing to install. Not an LRS to keep data in (memory only, no query
filters beyond ``statementId``), and not what the tests use (they run ralph).

Speaks just enough xAPI: ``POST``/``PUT``/``GET statements`` with basic auth and the
version header, ``GET about``, identical duplicates accepted, a differing statement with
a known id refused with 409. ``/`` lists what arrived, newest first.
"""
from __future__ import annotations

import hmac
import json
import secrets
import threading
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template_string, request

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo LRS</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}td,th{text-align:left;padding:.25rem .5rem;
border-bottom:1px solid #ccc;vertical-align:top}code{font-size:.85em}</style></head><body>
<h1>Demo LRS: {{ statements|length }} {{ "statement" if statements|length == 1 else "statements" }}</h1>
<p>What coachbridge sent, newest first (memory only: a restart forgets them). Reload to see new ones.</p>
<table><thead><tr><th>Timestamp</th><th>Actor</th><th>Verb</th><th>Object</th><th>Statement</th></tr></thead><tbody>
{% for s in statements %}<tr><td>{{ s.timestamp }}</td><td>{{ actor(s) }}</td><td>{{ s.verb.display.values()|first }}</td>
<td>{{ object_name(s) }}</td><td><details><summary><code>{{ s.id }}</code></summary><pre>{{ pretty(s) }}</pre></details></td></tr>
{% endfor %}</tbody></table></body></html>"""


class DemoLrs:
    def __init__(self, username: str = "demo") -> None:
        self.username = username
        self.password = secrets.token_urlsafe(16)  # new each run; the demo stores it in the tool
        self.statements: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def store(self, batch: list[dict[str, Any]]) -> tuple[int, list[str]]:
        """(status, new ids): all of the batch or none of it."""
        with self._lock:
            new: dict[str, dict[str, Any]] = {}
            for statement in batch:
                if not isinstance(statement, dict) or not {"id", "actor", "verb", "object"} <= statement.keys():
                    return 400, []
                known = self.statements.get(statement["id"]) or new.get(statement["id"])
                if known is not None and known != statement:
                    return 409, []
                if known is None:
                    new[statement["id"]] = statement
            self.statements.update(new)
            return 200, list(new)

    def create_app(self) -> Flask:
        app = Flask(__name__)
        lrs = self

        @app.before_request
        def check_request():
            if not request.path.startswith("/xapi/"):
                return None
            auth = request.authorization
            if auth is None or not (hmac.compare_digest(auth.username or "", lrs.username)
                                    and hmac.compare_digest(auth.password or "", lrs.password)):
                return Response("unauthorized", 401, {"WWW-Authenticate": 'Basic realm="demo LRS"'})
            if "X-Experience-API-Version" not in request.headers:
                abort(400, description="X-Experience-API-Version header missing")
            return None

        @app.get("/xapi/about")
        def about():
            return jsonify({"version": ["1.0.3", "2.0.0"]})

        @app.post("/xapi/statements")
        def post_statements():
            body = request.get_json(silent=True)
            batch = body if isinstance(body, list) else [body]
            status, new_ids = lrs.store(batch)
            if status != 200:
                abort(status)
            return (jsonify(new_ids), 200) if new_ids else ("", 204)

        @app.put("/xapi/statements")
        def put_statement():
            body = request.get_json(silent=True)
            if not isinstance(body, dict) or body.get("id", request.args.get("statementId")) != \
                    request.args.get("statementId"):
                abort(400)
            status, _ = lrs.store([{**body, "id": request.args["statementId"]}])
            if status != 200:
                abort(status)
            return "", 204

        @app.get("/xapi/statements")
        def get_statements():
            wanted = request.args.get("statementId")
            if wanted:
                return jsonify(lrs.statements.get(wanted)) if wanted in lrs.statements else abort(404)
            return jsonify({"statements": list(lrs.statements.values()), "more": ""})

        @app.get("/")
        def page():
            with lrs._lock:
                newest_first = sorted(lrs.statements.values(), key=lambda s: s.get("timestamp", ""), reverse=True)
            return render_template_string(PAGE, statements=newest_first, actor=_actor, object_name=_object_name,
                                          pretty=lambda s: json.dumps(s, indent=2, ensure_ascii=False))

        return app


def _actor(statement: dict[str, Any]) -> str:
    actor = statement.get("actor", {})
    account = actor.get("account", {})
    return actor.get("name") or actor.get("mbox") or actor.get("mbox_sha1sum") or account.get("name", "")


def _object_name(statement: dict[str, Any]) -> str:
    obj = statement.get("object", {})
    names = obj.get("definition", {}).get("name", {})
    return next(iter(names.values()), obj.get("id", ""))
