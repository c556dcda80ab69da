"""id_token validation: the launch checks (:mod:`lti.token_checks`, :mod:`lti.launch_checks`)
run in order, and a :class:`ValidLaunch` for a launch that passed them all.

:meth:`LaunchValidator.validate` runs them in an order where the cheap, unauthenticated
checks come first and the state is consumed last, only for a token that passed
everything else — so a forged token can never burn a real user's login. The login comes
from the state itself (:mod:`lti.login_state`); the store is asked whether it was used
only for a launch refused otherwise, and its consumption is the launch's one login write.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from . import claims as c
from .errors import N_, Rejection, unauthorized
from .jwks import KeySetUnavailable, PlatformKeys
from .launch_checks import (
    LaunchAttempt, already_used, check_deep_linking_settings, check_deployment_known, check_deployment_present,
    check_is_lti_message, check_login_known, check_login_unexpired, check_login_unused, check_lti_version,
    check_mentor_scope_needs_mentor_role, check_message_type, check_registration_active, check_resource_link,
    check_roles_claim, check_state_bound_to_browser, check_subject,
)
from .login_state import LoginStates
from .storage import LoginStore, PendingLogin, Registration, RegistrationStore
from .token_checks import (
    check_algorithm_allowed, check_audience, check_azp_matches, check_azp_when_several_audiences, check_issued_in_past,
    check_issuer, check_jwt_format, check_kid_present, check_not_before, check_not_expired, check_state_present,
    check_token_present, check_token_size, signature_verifies,
)

DEFAULT_LEEWAY = 60


@dataclass(frozen=True)
class ValidLaunch:
    """A launch that passed every rule: its claims and the registration it came through."""

    claims: dict[str, Any]
    registration: Registration
    login: PendingLogin

    @property
    def message_type(self) -> str:
        return self.claims[c.MESSAGE_TYPE]

    @property
    def deployment_id(self) -> str:
        return self.claims[c.DEPLOYMENT_ID]

    @property
    def subject(self) -> str:
        return self.claims.get("sub", "")

    @property
    def roles(self) -> list[str]:
        return list(self.claims.get(c.ROLES) or [])

    def claim(self, name: str) -> Any:
        value = self.claims.get(name)
        return value if isinstance(value, dict) else {}


REQUEST_CHECKS = (check_state_present, check_token_present, check_token_size, check_jwt_format,
                  check_algorithm_allowed, check_kid_present)
# check_login_unused runs apart (validate): it needs the store, which a launch that
# passes asks only once, by consuming its login.
LOGIN_CHECKS = (check_login_known, check_login_unexpired, check_state_bound_to_browser, check_registration_active)
AUDIENCE_CHECKS = (check_issuer, check_audience, check_azp_when_several_audiences, check_azp_matches)
TIME_CHECKS = (check_not_expired, check_issued_in_past, check_not_before)
MESSAGE_CHECKS = (check_is_lti_message, check_lti_version, check_message_type, check_deployment_present,
                  check_deployment_known, check_subject, check_roles_claim, check_resource_link,
                  check_deep_linking_settings, check_mentor_scope_needs_mentor_role)


def first_rejection(checks: Iterable[Callable[[LaunchAttempt], Rejection | None]], a: LaunchAttempt) -> Rejection | None:
    for check in checks:
        rejection = check(a)
        if rejection is not None:
            return rejection
    return None


class LaunchValidator:
    def __init__(
        self,
        registrations: RegistrationStore,
        logins: LoginStore,
        keys: PlatformKeys,
        states: LoginStates,
        clock: Callable[[], float] = time.time,
        leeway: int = DEFAULT_LEEWAY,
    ) -> None:
        self.registrations = registrations
        self.logins = logins
        self.keys = keys
        self.states = states
        self.clock = clock
        self.leeway = leeway

    def validate(self, id_token: str, state: str, browser_id: str | None,
                 storage_value: str | None = None, logins: LoginStore | None = None,
                 consume: bool = True) -> ValidLaunch | Rejection:
        """``browser_id`` is the cookie's value; ``storage_value`` what the platform frame
        handed back, for a login bound through client-side storage. ``logins``: where to
        record the login used instead of the validator's own store (the caller's
        transaction, so the login is consumed only if what the launch writes is kept too).
        ``consume=False``: every check but the consumption, which the caller then does with
        :meth:`consume` in that transaction before it commits (and rolls back if refused)."""
        logins = logins or self.logins
        a = LaunchAttempt(id_token=id_token or "", state=state or "", browser_id=browser_id,
                          now=self.clock(), leeway=self.leeway, storage_value=storage_value)
        rejection = first_rejection(REQUEST_CHECKS, a)
        if rejection:
            return rejection
        a.login = self.states.open(a.state)
        if a.login is not None:
            a.registration = self.registrations.find_registration(a.login.issuer, a.login.client_id)
        rejection = (first_rejection(LOGIN_CHECKS, a) or first_rejection(AUDIENCE_CHECKS, a)
                     or self.check_signature(a) or first_rejection(TIME_CHECKS, a)
                     or first_rejection(MESSAGE_CHECKS, a) or self.check_nonce(a, logins))
        if rejection:
            if a.login is not None:
                # A used login is refused as used whatever else is wrong with its launch (a
                # reload after the token expired): the rule that comes right after "known".
                a.login_used = logins.login_used(a.login.login_id)
                rejection = check_login_unused(a) or rejection
            return rejection
        assert a.registration is not None and a.login is not None
        if consume:
            rejection = self.consume(a.login, logins, a.now)
            if rejection:
                return rejection
        return ValidLaunch(claims=a.claims, registration=a.registration, login=a.login)

    def check_signature(self, a: LaunchAttempt) -> Rejection | None:
        assert a.registration is not None
        try:
            key = self.keys.find_key(a.registration.key_set_url, a.header["kid"])
        except KeySetUnavailable:
            return Rejection("platform_keys_unavailable",
                             N_("The LMS's public keys could not be fetched; try again shortly."), 503)
        if key is None:
            return unauthorized("kid_unknown", N_("The id_token is signed with a key the LMS does not publish."))
        if not signature_verifies(a, key):
            return unauthorized("signature_invalid", N_("The id_token's signature does not verify."))
        return None

    def check_nonce(self, a: LaunchAttempt, logins: LoginStore) -> Rejection | None:
        """The nonce must be the one issued with this state (it is consumed with it)."""
        assert a.login is not None
        nonce = a.claims.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            return unauthorized("nonce_missing", N_("The id_token carries no nonce."))
        if nonce != a.login.nonce:
            if not self.states.issued_nonce(nonce):
                return unauthorized("nonce_unknown", N_("The id_token's nonce was never issued by the tool."))
            if logins.nonce_used(nonce):
                return unauthorized("nonce_reused", N_("The id_token's nonce was already used."))
            return unauthorized("nonce_state_mismatch", N_("The id_token's nonce belongs to another launch."))
        return None

    def consume(self, login: PendingLogin, logins: LoginStore | None = None,
                now: float | None = None) -> Rejection | None:
        """Consume the login of a validated launch: one insert that does nothing when the
        login is recorded already, so of two launches racing with the same state exactly
        one gets it and the other is refused (as is one whose login expired meanwhile)."""
        now = self.clock() if now is None else now
        if login.expires_at <= now or not (logins or self.logins).consume_login(login, now):
            return already_used()
        return None
