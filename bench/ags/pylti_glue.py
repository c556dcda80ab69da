"""The anchor: pylti1p3 2.0.0's AGS client, used the way its README and its Flask example
(github.com/dmitry-viskov/pylti1.3-flask-example, ``score()``) show.

- Configuration: ``ToolConfJsonFile`` with the tool's own private/public key files, the
  issuer's ``auth_token_url``, ``key_set_url`` and deployment ids (README, "Configuration").
- A real launch: pylti1p3's OIDC login (``FlaskOIDCLogin``) → the demo LMS's
  ``/authorize`` → pylti1p3's ``FlaskMessageLaunch`` validates the id_token (state,
  nonce, signature against the LMS's JWKS, deployment, message) and saves the launch in
  the launch data cache (``FlaskCacheDataStorage`` over Flask-Caching's Redis cache, as
  the launch benchmark's anchor and pylti1p3's production advice have it).
- Each score post is one web request of the tool: it restores the launch with
  ``FlaskMessageLaunch.from_cache(launch_id, ...)``, takes ``get_ags()``, builds a
  ``Grade`` and a tag-only ``LineItem`` and calls ``ags.put_grade(grade, line_item)``
  ("If a lineitem with the same tag exists, that lineitem will be used"). The request
  is a Flask ``test_request_context`` in the benchmark's process: no HTTP hop into the
  tool, just as coachbridge's posts are timed without one.

The tool config is built once per process (the Flask example re-reads its JSON file in
every request; that is left out as a cost not of the AGS client).
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort
from flask_caching import Cache
from pylti1p3.contrib.flask import (FlaskCacheDataStorage, FlaskMessageLaunch, FlaskOIDCLogin,
                                    FlaskRequest)
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.tool_config import ToolConfJsonFile


def write_tool_config(directory: Path, *, issuer: str, client_id: str, deployment_id: str) -> Path:
    """The JSON config and key files of pylti1p3's README, with a fresh RSA key pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / "private.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (directory / "public.key").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    config = {issuer: [{
        "default": True, "client_id": client_id,
        "auth_login_url": issuer + "/authorize", "auth_token_url": issuer + "/token", "auth_audience": None,
        "key_set_url": issuer + "/jwks", "key_set": None,
        "private_key_file": "private.key", "public_key_file": "public.key",
        "deployment_ids": [deployment_id],
    }]}
    path = directory / "pylti_config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


class PyltiTool:
    """A minimal Flask tool on pylti1p3: login, launch, and the score request."""

    def __init__(self, config_path: Path, redis_url: str) -> None:
        self.tool_conf = ToolConfJsonFile(str(config_path))
        self.app = Flask("pylti_bench_tool")
        self.app.config.update(SECRET_KEY=secrets.token_hex(16), MAX_CONTENT_LENGTH=1024 * 1024,
                               CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url, CACHE_DEFAULT_TIMEOUT=7200)
        self.cache = Cache(self.app)
        tool = self

        @self.app.route("/login", methods=["GET", "POST"])
        def login():
            flask_request = FlaskRequest()
            target_link_uri = flask_request.get_param("target_link_uri")
            if not target_link_uri:
                abort(400)
            return FlaskOIDCLogin(flask_request, tool.tool_conf,
                                  launch_data_storage=tool.storage()).redirect(target_link_uri)

        @self.app.route("/launch", methods=["POST"])
        def launch():
            message_launch = FlaskMessageLaunch(FlaskRequest(), tool.tool_conf, launch_data_storage=tool.storage())
            message_launch.get_launch_data()  # validates, then saves the launch in the cache
            return {"launch_id": message_launch.get_launch_id()}

    def storage(self) -> FlaskCacheDataStorage:
        return FlaskCacheDataStorage(self.cache)

    def jwks(self) -> dict[str, Any]:
        return self.tool_conf.get_jwks()

    def launch(self, login_params: dict[str, str], fetch_form) -> str:
        """A real launch: pylti1p3's login → the platform's authorization (``fetch_form``
        GETs it and returns the auto-post form's fields) → pylti1p3's launch validation."""
        client = self.app.test_client()
        redirect = client.get("/login", query_string=login_params)
        if redirect.status_code != 302:
            raise RuntimeError(f"pylti1p3 login answered {redirect.status_code}: {redirect.text[:300]}")
        fields = fetch_form(redirect.headers["Location"])
        answer = client.post("/launch", data=fields)
        if answer.status_code != 200:
            raise RuntimeError(f"pylti1p3 launch answered {answer.status_code}: {answer.text[:500]}")
        return answer.get_json()["launch_id"]

    # --- the score request, the Flask example's way -----------------------------------
    def score_request(self, launch_id: str, user_id: str, timestamp: str, tag: str) -> None:
        with self.app.test_request_context("/api/score", method="POST"):
            message_launch = FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), self.tool_conf,
                                                           launch_data_storage=self.storage())
            if not message_launch.has_ags():
                raise RuntimeError("the launch has no AGS claim")
            ags = message_launch.get_ags()
            grade = (Grade().set_score_given(1.0).set_score_maximum(1.0).set_timestamp(timestamp)
                     .set_activity_progress("Completed").set_grading_progress("FullyGraded")
                     .set_user_id(user_id).set_comment("Application validated"))
            line_item = LineItem().set_tag(tag).set_score_maximum(1.0).set_label("Validation of applied learning")
            ags.put_grade(grade, line_item)

    def held_launch(self, launch_id: str):
        """One restored launch and its AGS service kept for every post (not how a web app
        can use it across requests; the best case for its in-object token cache)."""
        with self.app.test_request_context("/api/score", method="POST"):
            message_launch = FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), self.tool_conf,
                                                           launch_data_storage=self.storage())
            return message_launch.get_ags()


def held_grade(ags, line_item, user_id: str, timestamp: str) -> None:
    grade = (Grade().set_score_given(1.0).set_score_maximum(1.0).set_timestamp(timestamp)
             .set_activity_progress("Completed").set_grading_progress("FullyGraded")
             .set_user_id(user_id).set_comment("Application validated"))
    ags.put_grade(grade, line_item)
