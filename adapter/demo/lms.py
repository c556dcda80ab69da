"""A small LMS on ``lti1p3platform``: the demo's platform and the tests' real LTI peer.

One module, two uses (DESIGN.md): ``coachbridge demo`` runs it for newcomers and the
test-suite runs it as the platform side of every launch. It has seeded people, one
course with resource links, a "launch as …" page, OIDC authorization, and its JWKS. Its
course page offers LTI client-side storage (a hidden postMessage frame, see
lms_storage.py) unless opened with ``?storage=off``.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from flask import Flask, abort, render_template_string, request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration

from adapter.demo.lms_registration import add_dynamic_registration
from adapter.demo.lms_services import add_lms_services, service_claims
from adapter.demo.lms_storage import STORAGE_FRAME, add_platform_storage, storage_frame_tag
from lti import claims as c
from lti.keys import SigningKey

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
ROLE_LEARNER = LIS + "membership#Learner"
ROLE_MENTOR = LIS + "membership#Mentor"
ROLE_INSTRUCTOR = LIS + "membership#Instructor"
ROLE_ADMIN = LIS + "institution/person#Administrator"
ROLE_SYSADMIN = LIS + "system/person#Administrator"


# The locales the launch page offers for launch_presentation.locale, spelled as LMSs send them
# ("" = the LMS sends none); pt-BR is one the tool does not speak (it falls back).
LAUNCH_LOCALES = {"": "the LMS sends none", "en-US": "English", "fr-FR": "Français", "de-DE": "Deutsch",
                  "es-ES": "Español", "pt-BR": "Português (not offered by the tool)"}
# The locale travels from the launch page to the authorization in the (opaque to the tool)
# lti_message_hint, as real LMSs carry their own state there: "<link id>~<locale>".
HINT_LOCALE = "~"


# The demo has two courses: one whose managers launch with the Mentor role (as Canvas can
# send), and one where nobody has it (as in Moodle or Open edX): there managers are known
# from an import or a nomination only.
MENTOR_COURSE, PLAIN_COURSE = "course-coaching-101", "course-hybrid-teams"


@dataclass
class DemoPerson:
    user_id: str
    name: str
    email: str
    roles: list[str]
    mentees: list[str] = field(default_factory=list)
    label: str = ""
    course: str = MENTOR_COURSE


def seeded_people() -> dict[str, DemoPerson]:
    people = [
        DemoPerson("learner-ana", "Ana Learner", "ana@example.org", [ROLE_LEARNER], label="learner"),
        DemoPerson("learner-ben", "Ben Learner", "ben@example.org", [ROLE_LEARNER], label="learner"),
        DemoPerson("manager-maria", "Maria Manager", "maria@example.org", [ROLE_MENTOR],
                   mentees=["learner-ana", "learner-ben"], label="their manager (Mentor)"),
        DemoPerson("instructor-ivan", "Ivan Instructor", "ivan@example.org", [ROLE_INSTRUCTOR], label="instructor"),
        DemoPerson("admin-ada", "Ada Admin", "ada@example.org", [ROLE_ADMIN, ROLE_SYSADMIN], label="admin"),
        DemoPerson("learner-carla", "Carla Learner", "carla@example.org", [ROLE_LEARNER], course=PLAIN_COURSE,
                   label="learner; her manager Omar comes from the HR import"),
        DemoPerson("learner-dev", "Dev Learner", "dev@example.org", [ROLE_LEARNER], course=PLAIN_COURSE,
                   label="learner who named Omar as his manager"),
        DemoPerson("manager-omar", "Omar Manager", "omar@example.org", [ROLE_LEARNER], course=PLAIN_COURSE,
                   label="a manager without the Mentor role"),
    ]
    return {p.user_id: p for p in people}


COURSE = {"id": MENTOR_COURSE, "label": "COACH101", "title": "Coaching for application",
          "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]}
NO_MENTOR_COURSE = {"id": PLAIN_COURSE, "label": "HYB201", "title": "Leading hybrid teams (no Mentor role)",
                    "type": COURSE["type"]}
COURSES = {course["id"]: course for course in (COURSE, NO_MENTOR_COURSE)}
RESOURCE_LINKS = {
    "rl-feedback": {"id": "rl-feedback", "title": "Giving feedback: apply it at work",
                    "custom": {"kind": "validation", "template": "check-in", "validation_required": "true",
                               "activity_iri": "https://lms.example.org/activities/giving-feedback"}},
    "rl-delegation": {"id": "rl-delegation", "title": "Delegation: check-in with your manager",
                      "custom": {"kind": "check_in", "template": "check-in", "validation_required": "false",
                                 "activity_iri": "https://lms.example.org/activities/delegation"}},
    "rl-hybrid": {"id": "rl-hybrid", "title": "Running a hybrid team meeting: apply it", "course": PLAIN_COURSE,
                  "custom": {"kind": "validation", "template": "check-in", "validation_required": "true",
                             "activity_iri": "https://lms.example.org/activities/hybrid-meetings"}},
}
# The lti_message_hint of the course editor's "add an activity" (Deep Linking) launch.
DEEP_LINK = "deep-link"


def course_of(link: dict[str, Any] | None) -> dict[str, Any]:
    """The course a link is in (links added by Deep Linking join the Mentor course)."""
    return COURSES[(link or {}).get("course", MENTOR_COURSE)]


class CachedKeyRegistration(Registration):
    """lti1p3platform re-parses the PEM for every token (~50 ms each); sign with a loaded key."""

    def __init__(self, key: SigningKey) -> None:
        self.signing_key = key
        self.previous_keys: list[SigningKey] = []
        self.set_platform_private_key(key.private_pem().decode())

    def get_kid(self) -> str:
        return self.signing_key.kid

    def get_jwks(self) -> list[dict[str, Any]]:
        return [k.public_jwk() for k in [self.signing_key, *self.previous_keys]]

    def platform_encode_and_sign(self, payload: dict[str, Any], expiration: int | None = None) -> str:
        return self.encode_and_sign(payload, "", expiration=expiration)

    def encode_and_sign(self, payload: dict[str, Any], private_key: str, headers: Any = None,
                        expiration: int | None = None) -> str:
        """Every platform signature (id_tokens, access tokens) with the loaded key."""
        if expiration:
            payload.update({"iat": int(time.time()), "exp": int(time.time()) + expiration})
        return self.signing_key.sign(payload, headers)


class DemoPlatformConfig(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration


class DemoMessageLaunch(LTIAdvantageMessageLaunchAbstract):
    def get_preflight_response(self) -> dict[str, Any]:
        return request.values.to_dict()

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        return render_template_string(AUTO_POST, storage_target=STORAGE_FRAME, **launch_data)


AUTO_POST = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Launching…</title></head>
<body><form method="post" action="{{ launch_url }}" id="launch">
<input type="hidden" name="id_token" value="{{ id_token }}"><input type="hidden" name="state" value="{{ state }}">
<input type="hidden" name="lti_storage_target" value="{{ storage_target }}">
<noscript><button type="submit">Continue to the tool</button></noscript></form>
<script>document.getElementById("launch").submit();</script></body></html>"""

LAUNCH_AS = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo LMS</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}td,th{padding:.3rem .6rem;text-align:left}</style></head>
<body><main><h1>Demo LMS</h1>
<p>Launch coachbridge as one of the seeded people. "In the course page" embeds the tool in an
iframe, as most LMSs do; "new window" opens it on its own.</p>
<form method="get"><label for="locale">Launch in the language</label>
<select id="locale" name="locale">{% for tag, name in locales.items() %}<option value="{{ tag }}"
{% if tag == locale %} selected{% endif %}>{{ name }}{% if tag %} ({{ tag }}){% endif %}</option>{% endfor %}</select>
<button type="submit">Use it for the launches below</button> <small>(sent as <code>launch_presentation.locale</code>)</small></form>
{% for course in courses %}<h2>{{ course.title }}</h2>
<table><thead><tr><th scope="col">Person</th><th scope="col">Activity</th><th scope="col">Launch</th></tr></thead><tbody>
{% for person in people if person.course == course.id %}{% for link in links if course_of(link) == course %}
<tr><td>{{ person.name }} ({{ person.label }})</td><td>{{ link.title }}</td>
<td><a href="{{ url_for('course_page', user_id=person.user_id, link_id=link.id, locale=locale or None) }}">in the course page</a> ·
<a href="{{ login_url(person.user_id, link.id, locale=locale) }}" target="_blank" rel="noopener">new window</a></td></tr>
{% endfor %}{% endfor %}
</tbody></table>{% endfor %}
<h2>Course editor</h2>
<p>Add a coachbridge activity to the course (Deep Linking), as
{% for person in editors %}{{ person.name }}:
<a href="{{ url_for('course_page', user_id=person.user_id, link_id=deep_link, locale=locale or None) }}">in the course page</a> ·
<a href="{{ login_url(person.user_id, deep_link, locale=locale) }}" target="_blank" rel="noopener">new window</a>{% endfor %}</p>
</main></body></html>"""

DEEP_LINK_RETURN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Activity added — Demo LMS</title>
</head><body><main><h1>Added to the course</h1><ul>
{% for link in placed %}<li id="placed-{{ link.id }}">{{ link.title }}
{% if link.line_item %}(gradebook column: {{ link.line_item.scoreMaximum }} points){% endif %}</li>{% endfor %}
</ul><p><a href="{{ url_for('launch_as') }}" target="_top">Back to the course</a></p></main></body></html>"""

COURSE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ link.title }} — Demo LMS</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}iframe{width:100%;height:80vh;border:1px solid #999}</style>
</head><body><main><p><a href="{{ url_for('launch_as') }}">Back to the launch list</a> ·
Signed in to the LMS as {{ person.name }}</p><h1>{{ link.title }}</h1>
{% if storage_frame %}<iframe name="{{ storage_frame.name }}" src="{{ storage_frame.src }}" hidden
title="LMS storage for tools"></iframe>{% endif %}
<iframe title="coachbridge" src="{{ src }}" allow="clipboard-write"></iframe></main>
<script>/* lti.frameResize, as Canvas and Brightspace honour it: the frame takes the tool's height */
addEventListener("message", function (e) {
  var tool = document.querySelector("iframe[title=coachbridge]");
  if (e.source === tool.contentWindow && e.data && e.data.subject === "lti.frameResize" && e.data.height > 0)
    tool.style.height = Math.min(e.data.height, 20000) + "px";
});</script></body></html>"""


class DemoLMS:
    """The platform: its registration with the tool, its people, and its Flask app."""

    course_id = COURSE["id"]

    def __init__(self, lms_url: str, tool_url: str, client_id: str = "coachbridge-demo",
                 deployment_id: str = "demo-deployment") -> None:
        self.lms_url = lms_url.rstrip("/")
        self.tool_url = tool_url.rstrip("/")
        self.client_id = client_id
        self.deployment_id = deployment_id
        # What the "add a tool" page offers: a registration link (invitation) the tool gave us.
        self.tool_registration_url = ""
        self.people = seeded_people()
        # Links placed by Deep Linking join the seeded ones and launch like them.
        self.links: dict[str, dict[str, Any]] = {k: dict(v) for k, v in RESOURCE_LINKS.items()}
        self.placed: list[dict[str, Any]] = []
        self._deep_link_requests: set[str] = set()
        self.registration = CachedKeyRegistration(SigningKey.generate())
        (self.registration.set_iss(self.lms_url).set_client_id(client_id).set_deployment_id(deployment_id)
         .set_oidc_login_url(self.tool_url + "/lti/login").set_launch_url(self.tool_url + "/lti/launch")
         .set_tool_key_set_url(self.tool_url + "/lti/jwks").set_deeplink_launch_url(self.tool_url + "/lti/launch"))
        self.config = DemoPlatformConfig(registration=self.registration)

    # --- what the tool needs to register this platform -------------------------------
    @property
    def issuer(self) -> str:
        return self.lms_url

    @property
    def auth_login_url(self) -> str:
        return self.lms_url + "/authorize"

    @property
    def key_set_url(self) -> str:
        return self.lms_url + "/jwks"

    @property
    def token_url(self) -> str:
        return self.lms_url + "/token"

    # --- keys ------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return self.registration.signing_key.sign(claims, headers)

    def rotate_key(self) -> SigningKey:
        """Publish a new key and sign with it; the old one stays published."""
        self.registration.previous_keys.insert(0, self.registration.signing_key)
        self.registration.signing_key = SigningKey.generate()
        self.registration.set_platform_private_key(self.registration.signing_key.private_pem().decode())
        return self.registration.signing_key

    # --- launches --------------------------------------------------------------------
    def login_url(self, user_id: str, message_hint: str, storage: bool = False, locale: str = "") -> str:
        """The tool's login initiation; ``storage`` when the page offers its storage frame;
        ``locale``: what the launch's launch_presentation.locale will say (none when empty)."""
        hint = f"{message_hint}{HINT_LOCALE}{locale}" if locale else message_hint
        params = {"iss": self.issuer, "login_hint": user_id, "target_link_uri": self.tool_url + "/lti/launch",
                  "lti_message_hint": hint, "client_id": self.client_id,
                  "lti_deployment_id": self.deployment_id}
        if storage:
            params["lti_storage_target"] = STORAGE_FRAME
        return f"{self.tool_url}/lti/login?{urlencode(params)}"

    def _message(self, user_id: str, link_id: str, locale: str = "") -> DemoMessageLaunch:
        """The library's launch message builder, filled in for ``user_id`` opening ``link_id``."""
        person = self.people[user_id]
        message = DemoMessageLaunch(None, self.config)
        message._registration = self.registration  # lti_launch() sets it too; tests skip that step
        message.set_user_data(person.user_id, list(person.roles), person.name, person.email)
        if link_id == DEEP_LINK:
            request_id = secrets.token_urlsafe(12)
            self._deep_link_requests.add(request_id)
            message.set_dl(self.lms_url + "/deep-link-return", title="coachbridge activity",
                           accept_types={"ltiResourceLink"}, extra_data={"request": request_id})
        else:
            link = self.links[link_id]
            message.set_resource_link_claim(link_id, title=link["title"])
            if link.get("custom"):
                message.set_custom_parameters_claim(dict(link["custom"]))
        course = course_of(self.links.get(link_id))
        message.set_launch_context_claim(course["id"], context_title=course["title"], context_label=course["label"],
                                         context_types=course["type"])
        presentation = {"document_target": "iframe", "return_url": self.lms_url + "/",
                        **({"locale": locale} if locale else {})}
        extra: dict[str, Any] = {c.TOOL_PLATFORM: {"guid": "demo-lms", "name": "coachbridge demo LMS"},
                                 c.LAUNCH_PRESENTATION: presentation}
        if person.mentees:
            extra[c.ROLE_SCOPE_MENTOR] = list(person.mentees)
        extra.update(service_claims(self, self.links.get(link_id)))
        message.set_extra_claims(extra)
        return message

    def launch_claims(self, user_id: str, link_id: str, nonce: str, locale: str = "") -> dict[str, Any]:
        """The id_token claims this LMS sends for ``user_id`` opening ``link_id``."""
        now = int(time.time())
        claims = self._message(user_id, link_id, locale).get_launch_message()
        return {**claims, "nonce": nonce, "iat": now, "exp": now + 300}

    def authorize(self):
        """OIDC authentication request → the auto-posting launch form."""
        params = request.values
        user_id = params.get("login_hint", "")
        link_id, _, locale = params.get("lti_message_hint", "").partition(HINT_LOCALE)
        if user_id not in self.people or not (link_id in self.links or link_id == DEEP_LINK):
            abort(400, description="unknown user or resource link")
        # lti1p3platform posts to any redirect_uri; a real LMS only to the registered one.
        if params.get("redirect_uri") != self.registration.get_launch_url():
            abort(400, description="redirect_uri is not registered for this tool")
        return self._message(user_id, link_id, locale).lti_launch()

    def accept_deep_link_response(self, token: str) -> list[dict[str, Any]]:
        """Verify the tool's signed answer as a platform must, then add its links to the course.

        Signature by a key from the tool's JWKS; iss = the tool's client id, aud = this
        platform; exp/iat; message type, version, deployment; ``data`` echoed unchanged
        from a request this platform issued (and used once)."""
        kid = jwt.get_unverified_header(token).get("kid")
        keys = requests.get(self.registration.get_tool_key_set_url(), timeout=5).json()["keys"]
        key = next((k for k in keys if k.get("kid") == kid), None)
        if key is None:
            raise jwt.InvalidTokenError("signed with a key the tool does not publish")
        body = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=self.issuer,
                          issuer=self.client_id, leeway=5, options={"require": ["exp", "iat", "nonce"]})
        expected = {c.MESSAGE_TYPE: c.DEEP_LINKING_RESPONSE, c.VERSION: c.LTI_VERSION,
                    c.DEPLOYMENT_ID: self.deployment_id}
        for claim, value in expected.items():
            if body.get(claim) != value:
                raise jwt.InvalidTokenError(f"{claim} is {body.get(claim)!r}, expected {value!r}")
        request_id = (body.get(c.DL_DATA) or {}).get("request")
        if request_id not in self._deep_link_requests:
            raise jwt.InvalidTokenError("data does not echo a deep-linking request of this platform")
        self._deep_link_requests.discard(request_id)
        added = []
        for item in body.get(c.DL_CONTENT_ITEMS) or []:
            if item.get("type") != c.CONTENT_ITEM_RESOURCE_LINK or not item.get("title"):
                raise jwt.InvalidTokenError("content items must be titled ltiResourceLink items")
            link = {"id": f"dl-{len(self.placed) + 1}", "title": item["title"], "custom": item.get("custom") or {},
                    "line_item": item.get("lineItem")}
            self.links[link["id"]] = link
            self.placed.append(link)
            added.append(link)
        return added

    def create_app(self) -> Flask:
        app = Flask("coachbridge_demo_lms")
        # Different cookie name from the tool's: cookies ignore ports (testing-with-real-peers.md).
        app.config.update(SESSION_COOKIE_NAME="demo_lms_session", SECRET_KEY=secrets.token_hex(16))
        lms = self

        @app.route("/")
        def launch_as():
            editors = [p for p in lms.people.values() if ROLE_INSTRUCTOR in p.roles]
            locale = request.args.get("locale", "")
            return render_template_string(LAUNCH_AS, courses=COURSES.values(), course_of=course_of,
                                          people=lms.people.values(), links=lms.links.values(),
                                          login_url=lms.login_url, editors=editors, deep_link=DEEP_LINK,
                                          locales=LAUNCH_LOCALES, locale=locale)

        @app.route("/course/<user_id>/<link_id>")
        def course_page(user_id: str, link_id: str):
            person = lms.people.get(user_id)
            if person is None or not (link_id in lms.links or link_id == DEEP_LINK):
                abort(404)
            link = lms.links.get(link_id) or {"id": DEEP_LINK, "title": "Add a coachbridge activity"}
            storage = request.args.get("storage") != "off"
            frame = storage_frame_tag(request.args.get("storage_delay_ms", 0, type=int)) if storage else None
            return render_template_string(COURSE_PAGE, person=person, link=link, storage_frame=frame,
                                          src=lms.login_url(user_id, link_id, storage=storage,
                                                            locale=request.args.get("locale", "")))

        @app.route("/deep-link-return", methods=["POST"])
        def deep_link_return():
            try:
                lms.accept_deep_link_response(request.form.get("JWT", ""))
            except (jwt.InvalidTokenError, requests.RequestException) as refused:
                abort(400, description=f"deep-linking response refused: {refused}")
            return render_template_string(DEEP_LINK_RETURN, placed=lms.placed)

        app.add_url_rule("/authorize", "authorize", lms.authorize, methods=["GET", "POST"])
        app.add_url_rule("/jwks", "jwks", lambda: lms.config.get_jwks())
        add_dynamic_registration(app, lms)
        add_lms_services(app, lms)
        add_platform_storage(app, lms)
        return app
