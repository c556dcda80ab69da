"""The demo LMS's side of LTI Dynamic Registration: its OpenID configuration, its
registration endpoint, and an admin page that opens a tool's registration URL.

Kept apart from lms.py because it is the one part of the demo LMS that is about
adding tools rather than launching them.
"""
from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, render_template_string, request

from lti import claims as c
from lti.dynamic_registration import TOOL_SCOPES

REGISTER_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Add an LTI tool — Demo LMS</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}iframe{width:100%;height:70vh;border:1px solid #999}</style>
</head><body><main><h1>Add an LTI 1.3 tool</h1>
<form method="get"><label for="tool_url">Tool registration URL</label>
<input id="tool_url" name="tool_url" size="60" value="{{ tool_url }}"> <button type="submit">Register tool</button></form>
<p id="registration-status" role="status">{{ "Waiting for the tool…" if src else "" }}</p>
{% if src %}<iframe title="Tool registration" src="{{ src }}"></iframe>
<script>
window.addEventListener("message", function (event) {
  if (event.data && event.data.subject === "org.imsglobal.lti.close") {
    document.getElementById("registration-status").textContent = "Tool registered.";
    document.querySelector("iframe").remove();
  }
});
</script>{% endif %}</main></body></html>"""


def openid_configuration(lms) -> dict[str, Any]:
    base = lms.lms_url
    return {
        "issuer": base,
        "authorization_endpoint": base + "/authorize",
        "token_endpoint": base + "/token",
        "jwks_uri": base + "/jwks",
        "registration_endpoint": base + "/register",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", *TOOL_SCOPES],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "claims_supported": ["iss", "sub", "name", "email"],
        c.PLATFORM_CONFIGURATION: {
            "product_family_code": "coachbridge-demo-lms",
            "version": "1.0",
            "messages_supported": [{"type": c.RESOURCE_LINK_REQUEST}, {"type": c.DEEP_LINKING_REQUEST}],
        },
    }


REQUIRED_REGISTRATION_FIELDS = ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name")


def add_dynamic_registration(app: Flask, lms) -> None:
    issued_tokens: set[str] = set()
    lms.tool_registrations = []  # what tools registered themselves here, for the tests to read

    @app.route("/.well-known/openid-configuration")
    def openid_configuration_document():
        return jsonify(openid_configuration(lms))

    @app.route("/register", methods=["POST"])
    def register_client():
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in issued_tokens:
            return jsonify(error="invalid_token", error_description="unknown or used registration token"), 401
        issued_tokens.discard(token)
        document = request.get_json(silent=True) or {}
        missing = [name for name in REQUIRED_REGISTRATION_FIELDS if not document.get(name)]
        if missing or document.get("token_endpoint_auth_method") != "private_key_jwt":
            return jsonify(error="invalid_client_metadata",
                           error_description=f"missing or wrong: {', '.join(missing) or 'auth method'}"), 400
        client_id = f"dyn-{secrets.token_hex(4)}"
        deployment_id = f"dep-{secrets.token_hex(4)}"
        lms.tool_registrations.append({"client_id": client_id, "deployment_id": deployment_id, "document": document})
        return jsonify({**document, "client_id": client_id,
                        c.TOOL_CONFIGURATION: {**document.get(c.TOOL_CONFIGURATION, {}),
                                               "deployment_id": deployment_id}})

    @app.route("/admin/register-tool")
    def register_tool_page():
        tool_url = request.args.get("tool_url", "")
        src = ""
        if tool_url:
            if not tool_url.startswith(("http://", "https://")):
                abort(400, description="the tool registration URL must be a web address")
            token = secrets.token_urlsafe(16)
            issued_tokens.add(token)
            separator = "&" if "?" in tool_url else "?"
            src = tool_url + separator + urlencode({
                "openid_configuration": lms.lms_url + "/.well-known/openid-configuration",
                "registration_token": token})
        return render_template_string(REGISTER_PAGE, tool_url=tool_url or lms.tool_registration_url, src=src)
