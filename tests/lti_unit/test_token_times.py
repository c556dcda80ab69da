"""The id_token's times: exp, iat and nbf each with the validator's leeway (60 s), at the
edges, as PyJWT's decode applied them before the launch checked them itself."""
from __future__ import annotations

import pytest

from lti.launch_checks import LaunchAttempt
from lti.launch_validation import DEFAULT_LEEWAY
from lti.token_checks import check_issued_in_past, check_not_before, check_not_expired

NOW = 1_900_000_000.0


def attempt(**claims) -> LaunchAttempt:
    a = LaunchAttempt(id_token="", state="", browser_id=None, now=NOW, leeway=DEFAULT_LEEWAY)
    a.claims = claims
    return a


def code(rejection):
    return rejection and rejection.code


@pytest.mark.parametrize("exp, expected", [
    (NOW + 1, None), (NOW - DEFAULT_LEEWAY, None), (NOW - DEFAULT_LEEWAY - 1, "token_expired"),
    (None, "exp_missing"), ("1900000000", "exp_missing"), (True, "exp_missing"),
])
def test_expiry_with_leeway(exp, expected):
    assert code(check_not_expired(attempt(**({} if exp is None else {"exp": exp})))) == expected


@pytest.mark.parametrize("iat, expected", [
    (NOW - 3600, None), (NOW + DEFAULT_LEEWAY, None), (NOW + DEFAULT_LEEWAY + 1, "iat_in_future"),
    (None, "iat_missing"), ("x", "iat_missing"),
])
def test_issue_time_with_leeway(iat, expected):
    assert code(check_issued_in_past(attempt(**({} if iat is None else {"iat": iat})))) == expected


@pytest.mark.parametrize("nbf, expected", [
    (None, None), (NOW - 10, None), (NOW + DEFAULT_LEEWAY, None), (NOW + DEFAULT_LEEWAY + 1, "token_not_yet_valid"),
])
def test_not_before_with_leeway(nbf, expected):
    assert code(check_not_before(attempt(**({} if nbf is None else {"nbf": nbf})))) == expected
