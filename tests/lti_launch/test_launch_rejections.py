"""Every "must reject" case: a real login, a token signed by the real platform key (or
forged), and the plain error page with the right status and error code."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete, func, select

from adapter.persistence.platform_store import registrations_changed
from adapter.persistence.tables import people, platforms, web_sessions
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web.auth import BROWSER_COOKIE
from lti import claims as c
from lti.keys import SigningKey
from lti.login_state import LoginStates
from lti.oidc import LOGIN_LIFETIME, browser_binding
from tests.peers.lti_platform import StartedLogin, browser, error_code, full_launch, post_launch, start_login


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assert_refused(response, status, code):
    assert response.status_code == status, response.text
    assert error_code(response) == code
    assert "Traceback" not in response.text
    assert "<h1>We could not open this page</h1>" in response.text


def signed(peers, claims, headers=None):
    return peers.lms.sign(claims, headers)


def claims_for(peers, login, user="learner-ana"):
    return peers.lms.launch_claims(user, "rl-feedback", login.nonce)


def refuse(peers, mutate=None, make_token=None, status=401, code=""):
    login = start_login(peers)
    claims = claims_for(peers, login)
    if mutate:
        mutate(claims)
    token = make_token(peers, claims) if make_token else signed(peers, claims)
    assert_refused(post_launch(peers, login, token), status, code)


def without(name):
    return lambda claims: claims.pop(name)


def setting(name, value):
    return lambda claims: claims.__setitem__(name, value)


def without_kid(peers, claims):
    return jwt.encode(claims, peers.lms.registration.signing_key.private_key, algorithm="RS256")


def unknown_kid(peers, claims):
    return signed(peers, claims, {"kid": "not-a-published-kid"})


def bad_signature(peers, claims):
    header, _payload, signature = signed(peers, claims).split(".")
    tampered = b64(json.dumps({**claims, "sub": "learner-ben"}).encode())
    return f"{header}.{tampered}.{signature}"


def other_key_same_kid(peers, claims):
    return SigningKey.generate().sign(claims, {"kid": peers.lms.registration.signing_key.kid})


def alg_none(peers, claims):
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": peers.lms.registration.signing_key.kid}).encode())
    return f"{header}.{b64(json.dumps(claims).encode())}."


def hs256_with_public_key(peers, claims):
    public_pem = peers.lms.registration.signing_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": peers.lms.registration.signing_key.kid}).encode())
    body = f"{header}.{b64(json.dumps(claims).encode())}"
    return body + "." + b64(hmac.new(public_pem, body.encode(), hashlib.sha256).digest())


def not_a_jwt(peers, claims):
    return "this-is-not-a-jwt"


def nested_past_the_parsers_depth(peers, claims):
    header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": peers.lms.registration.signing_key.kid}).encode())
    payload = b64(b'{"roles": ' + b"[" * 20_000)
    return f"{header}.{payload}.{signed(peers, claims).split('.')[2]}"


def drop_resource_link_id(claims):
    claims[c.RESOURCE_LINK] = {"title": "no id"}


def strip_lti_claims(claims):
    for name in [k for k in claims if k.startswith("https://purl.imsglobal.org/")]:
        del claims[name]


now = lambda: int(time.time())  # noqa: E731


CASES = [
    ("no kid", None, without_kid, 401, "kid_missing"),
    ("unknown kid", None, unknown_kid, 401, "kid_unknown"),
    ("bad signature", None, bad_signature, 401, "signature_invalid"),
    ("signed by another key", None, other_key_same_kid, 401, "signature_invalid"),
    ("alg none", None, alg_none, 401, "alg_not_allowed"),
    ("HS256 with the platform public key", None, hs256_with_public_key, 401, "alg_not_allowed"),
    ("wrong LTI version", setting(c.VERSION, "1.1.0"), None, 400, "lti_version_unsupported"),
    ("missing LTI version", without(c.VERSION), None, 400, "lti_version_missing"),
    ("not a JWT", None, not_a_jwt, 400, "id_token_malformed"),
    ("JSON nested deeper than any parser goes", None, nested_past_the_parsers_depth, 400, "id_token_malformed"),
    ("a JWT that is not an LTI message", strip_lti_claims, None, 400, "not_lti_message"),
    ("missing message_type", without(c.MESSAGE_TYPE), None, 400, "message_type_missing"),
    ("unsupported message_type", setting(c.MESSAGE_TYPE, "LtiSubmissionReviewRequest"), None, 400,
     "message_type_unsupported"),
    ("missing roles", without(c.ROLES), None, 400, "roles_missing"),
    ("missing deployment_id", without(c.DEPLOYMENT_ID), None, 400, "deployment_id_missing"),
    ("missing resource link id", drop_resource_link_id, None, 400, "resource_link_missing"),
    ("missing sub", without("sub"), None, 400, "sub_missing"),
    ("no expiry", without("exp"), None, 401, "exp_missing"),
    ("no issue time", without("iat"), None, 401, "iat_missing"),
    ("not valid yet (nbf)", lambda cl: cl.update(nbf=now() + 3600), None, 401, "token_not_yet_valid"),
    ("expired", lambda cl: cl.update(iat=now() - 3600, exp=now() - 1800), None, 401, "token_expired"),
    ("iat in the future", lambda cl: cl.update(iat=now() + 3600, exp=now() + 7200), None, 401, "iat_in_future"),
    ("wrong iss", setting("iss", "https://evil.example"), None, 401, "iss_mismatch"),
    ("wrong aud", lambda cl: cl.update(aud="someone-else", azp="someone-else"), None, 401, "aud_mismatch"),
    ("several audiences without azp",
     lambda cl: (cl.update(aud=["coachbridge-demo", "another"]), cl.pop("azp")), None, 401, "azp_missing"),
    ("wrong azp", lambda cl: cl.update(aud=["coachbridge-demo", "another"], azp="another"), None, 401,
     "azp_mismatch"),
    ("unknown deployment", setting(c.DEPLOYMENT_ID, "not-deployed"), None, 403, "deployment_unknown"),
    ("mentor scope without Mentor role", setting(c.ROLE_SCOPE_MENTOR, ["learner-ben"]), None, 400,
     "role_scope_mentor_without_mentor"),
    ("nonce never issued", setting("nonce", "made-up-nonce"), None, 401, "nonce_unknown"),
    ("no nonce", without("nonce"), None, 401, "nonce_missing"),
    ("oversized token", setting("padding", "x" * 70_000), None, 400, "id_token_too_large"),
]


@pytest.mark.parametrize("case, mutate, make_token, status, code", CASES, ids=[case[0] for case in CASES])
def test_must_reject(peers, case, mutate, make_token, status, code):
    refuse(peers, mutate, make_token, status, code)


def test_launch_without_an_id_token(peers):
    assert_refused(post_launch(peers, start_login(peers), ""), 400, "id_token_missing")


def test_deep_linking_request_without_its_settings(peers):
    login = start_login(peers, "instructor-ivan")
    claims = {**peers.lms.launch_claims("instructor-ivan", "rl-feedback", login.nonce),
              c.MESSAGE_TYPE: c.DEEP_LINKING_REQUEST}
    del claims[c.RESOURCE_LINK]  # a deep-linking request names no link, and here no return URL either
    assert_refused(post_launch(peers, login, signed(peers, claims)), 400, "deep_linking_settings_missing")


def test_login_that_waited_past_its_lifetime(peers, monkeypatch):
    login = start_login(peers)
    token = signed(peers, claims_for(peers, login))
    # The browser took longer than the login may wait (the tool's clock moved past its expiry).
    monkeypatch.setattr(peers.app.extensions["coachbridge"].validator, "clock",
                        lambda: time.time() + LOGIN_LIFETIME + 1)
    assert_refused(post_launch(peers, login, token), 401, "state_expired")


def test_reload_after_the_token_expired_still_reads_as_used(peers, monkeypatch):
    """A used login is refused as used whatever else is wrong with its launch now."""
    login = start_login(peers)
    token = signed(peers, claims_for(peers, login))
    assert post_launch(peers, login, token).status_code == 200
    monkeypatch.setattr(peers.app.extensions["coachbridge"].validator, "clock",
                        lambda: time.time() + LOGIN_LIFETIME + 1)
    assert_refused(post_launch(peers, login, token), 400, "launch_already_used")


def test_state_changed_on_the_way_or_sealed_with_another_secret(peers):
    """The state carries its login, sealed by the tool: any change to it, or the same login
    sealed with another secret (one changed since the login started), is a state the tool
    never issued."""
    login = start_login(peers)
    token = signed(peers, claims_for(peers, login))
    body, _, tag = login.state.rpartition(".")
    resealed = LoginStates(b"another secret, thirty-two bytes long").issue(
        peers.lms.issuer, peers.lms.client_id, browser_binding(login.client.cookies[BROWSER_COOKIE]),
        time.time() + LOGIN_LIFETIME).state
    for state in (body + ".AAAAAAAAAAAAAAAAAAAAAA", body[:-1] + "x." + tag, body, "é." + tag, login.state + "=",
                  resealed):
        assert_refused(post_launch(peers, login, token, state=state), 401, "state_unknown")
    assert post_launch(peers, login, token).status_code == 200  # the real one is unharmed


def other_client(peers, client_id: str, key_set_url: str | None = None) -> int:
    """A second registration of the demo LMS's issuer (another client id)."""
    return register_platform(peers.engine, PlatformSpec(
        issuer=peers.lms.issuer, client_id=client_id, auth_login_url=peers.lms.auth_login_url,
        key_set_url=key_set_url or peers.lms.key_set_url, deployment_ids=(peers.lms.deployment_id,)))


def start_login_as(peers, client_id: str) -> StartedLogin:
    """Login initiation as the LMS sends it for ``client_id``: the state and nonce the tool issued."""
    client = browser()
    response = client.get(peers.tool_url + "/lti/login", params={
        "iss": peers.lms.issuer, "login_hint": "learner-ana", "target_link_uri": peers.tool_url + "/lti/launch",
        "lti_message_hint": "rl-feedback", "client_id": client_id}, allow_redirects=False)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return StartedLogin(client, query["state"][0], query["nonce"][0])


def launch_as(peers, login: StartedLogin, client_id: str):
    claims = {**claims_for(peers, login), "aud": client_id, "azp": client_id}
    return post_launch(peers, login, signed(peers, claims))


def test_registration_removed_while_the_browser_was_at_the_lms(peers):
    platform_id = other_client(peers, "removed-client")
    login = start_login_as(peers, "removed-client")
    with peers.engine.begin() as conn:  # an operator deletes the registration meanwhile
        conn.execute(delete(platforms).where(platforms.c.id == platform_id))
        registrations_changed(conn)
    assert_refused(launch_as(peers, login, "removed-client"), 403, "registration_unknown")


def test_platform_keys_that_cannot_be_fetched(peers):
    with socket.socket() as closed:  # a port nothing listens on once this block ends
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    other_client(peers, "keys-down-client", key_set_url=f"http://127.0.0.1:{port}/jwks")
    login = start_login_as(peers, "keys-down-client")
    assert_refused(launch_as(peers, login, "keys-down-client"), 503, "platform_keys_unavailable")


def test_id_token_for_another_client_of_the_same_issuer(peers):
    register_platform(peers.engine, PlatformSpec(
        issuer=peers.lms.issuer, client_id="second-client", auth_login_url=peers.lms.auth_login_url,
        key_set_url=peers.lms.key_set_url, deployment_ids=("demo-deployment",)))
    refuse(peers, lambda cl: cl.update(aud="second-client", azp="second-client"), status=401, code="aud_mismatch")


def test_same_id_token_and_state_posted_twice(peers):
    login = start_login(peers)
    token = signed(peers, claims_for(peers, login))
    assert post_launch(peers, login, token).status_code == 200
    replay = post_launch(peers, login, token)
    assert_refused(replay, 400, "launch_already_used")
    assert "launch again from your course" in replay.text


def test_a_launch_that_loses_the_race_for_its_login_keeps_nothing(peers, monkeypatch):
    """The login is consumed last, in the transaction that wrote the person and the session:
    when another post of the same launch consumed it in between (here, just before the
    person is written), this one is refused and everything it wrote is rolled back."""
    from adapter.web import lti_endpoints
    login = start_login(peers)
    opened_for_real = lti_endpoints.open_session

    def the_other_post_consumes_first(*args, **kwargs):
        parts = peers.app.extensions["coachbridge"]
        assert parts.logins.consume_login(parts.login_states.open(login.state), time.time())
        return opened_for_real(*args, **kwargs)

    monkeypatch.setattr(lti_endpoints, "open_session", the_other_post_consumes_first)
    with peers.engine.connect() as conn:
        sessions_before = conn.execute(select(func.count()).select_from(web_sessions)).scalar()
    claims = claims_for(peers, login)
    claims["sub"] = "learner-racing"  # someone the tool has not met: no trace of them may stay
    response = post_launch(peers, login, signed(peers, claims))
    assert_refused(response, 400, "launch_already_used")
    with peers.engine.connect() as conn:
        assert conn.execute(select(people.c.id).where(people.c.sub == "learner-racing")).first() is None
        assert conn.execute(select(func.count()).select_from(web_sessions)).scalar() == sessions_before


def test_reloading_the_launch_post_says_launch_again(peers):
    client = browser()
    form_page = client.get(peers.lms.login_url("learner-ana", "rl-feedback"))
    from tests.peers.lti_platform import auto_post_form
    action, fields = auto_post_form(form_page.text)
    assert client.post(action, data=fields).status_code == 200
    reloaded = client.post(action, data=fields)  # what a browser's reload of the POST does
    assert_refused(reloaded, 400, "launch_already_used")


def test_fresh_token_reusing_a_consumed_nonce(peers):
    first = start_login(peers)
    assert post_launch(peers, first, signed(peers, claims_for(peers, first))).status_code == 200
    second = start_login(peers, client=first.client)
    reused = claims_for(peers, second)
    reused["nonce"] = first.nonce
    assert_refused(post_launch(peers, second, signed(peers, reused)), 401, "nonce_reused")


def test_nonce_of_another_pending_login(peers):
    one, two = start_login(peers), start_login(peers)
    claims = claims_for(peers, one)
    claims["nonce"] = two.nonce
    assert_refused(post_launch(peers, one, signed(peers, claims)), 401, "nonce_state_mismatch")


def test_missing_state(peers):
    login = start_login(peers)
    assert_refused(post_launch(peers, login, signed(peers, claims_for(peers, login)), state=""), 400,
                   "state_missing")


def test_state_the_tool_never_issued(peers):
    login = start_login(peers)
    assert_refused(post_launch(peers, login, signed(peers, claims_for(peers, login)), state="forged-state"), 401,
                   "state_unknown")


def test_foreign_state_from_another_browser(peers):
    victim = start_login(peers)
    attacker = browser()
    token = signed(peers, claims_for(peers, victim))
    response = attacker.post(peers.tool_url + "/lti/launch", data={"id_token": token, "state": victim.state},
                             allow_redirects=False)
    assert_refused(response, 401, "state_cookie_missing")
    attacker_login = start_login(peers, client=attacker)  # now the attacker has a browser cookie of their own
    response = attacker.post(peers.tool_url + "/lti/launch", data={"id_token": token, "state": victim.state},
                             allow_redirects=False)
    assert_refused(response, 401, "state_mismatch")
    assert attacker_login.state != victim.state
    # The victim's own launch is unharmed by the attempts.
    assert post_launch(peers, victim, token).status_code == 200


def test_forged_token_does_not_burn_the_login(peers):
    login = start_login(peers)
    claims = claims_for(peers, login)
    assert_refused(post_launch(peers, login, unknown_kid(peers, claims)), 401, "kid_unknown")
    assert post_launch(peers, login, signed(peers, claims)).status_code == 200


def test_login_initiation_by_post_and_errors(peers):
    client = browser()
    params = {"iss": peers.lms.issuer, "login_hint": "learner-ana", "target_link_uri": peers.tool_url + "/lti/launch",
              "lti_message_hint": "rl-feedback", "client_id": peers.lms.client_id}
    response = client.post(peers.tool_url + "/lti/login", data=params, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].startswith(peers.lms.auth_login_url)
    unknown = client.post(peers.tool_url + "/lti/login", data={**params, "iss": "https://unknown.example"})
    assert_refused(unknown, 403, "login_client_unknown")
    missing = client.get(peers.tool_url + "/lti/login", params={"iss": peers.lms.issuer})
    assert_refused(missing, 400, "login_login_hint_missing")


def test_pages_without_a_session_are_refused(peers):
    response = browser().get(peers.tool_url + "/manager/")
    assert response.status_code == 401 and "launch the tool again" in response.text


def test_learner_cannot_open_manager_or_admin_pages(peers):
    client = browser()
    assert full_launch(peers, "learner-ana", client=client).status_code == 200
    assert client.get(peers.tool_url + "/manager/").status_code == 403
    assert client.get(peers.tool_url + "/admin/").status_code == 403
