"""Turning a validated launch into a person, their course, and a web session."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from adapter.domain.roles import RoleMap
from adapter.persistence import expected_people_store, launch_reads, mail_store, people_store, placement_store
from adapter.persistence.coaching_store import audit
from adapter.persistence.platform_store import add_deployment
from adapter.persistence.session_store import WebSession, start_session
from .languages import SavedLanguages
from lti import claims as c
from lti.launch_validation import ValidLaunch

# What the pages may need later from the launch; the id_token itself is not kept.
_KEPT_CLAIMS = {
    "context": c.CONTEXT, "resource_link": c.RESOURCE_LINK, "custom": c.CUSTOM,
    "launch_presentation": c.LAUNCH_PRESENTATION, "ags": c.AGS_ENDPOINT, "nrps": c.NRPS,
    "deep_linking_settings": c.DL_SETTINGS, "tool_platform": c.TOOL_PLATFORM,
}


@dataclass(frozen=True)
class OpenedSession:
    token: str
    session: WebSession
    message_type: str
    languages: SavedLanguages  # the person's, as read before the session opened (for the page)
    # The person leads no team and has no nomination waiting, as this launch leaves them:
    # known from the launch's read when nothing the launch wrote can change it (False: not
    # known, the landing asks).
    no_team: bool = False

    @property
    def app_role(self) -> str:
        return self.session.app_role


def profile_of(claims: dict[str, Any]) -> dict[str, str]:
    return {field: str(claims.get(field) or "") for field in ("name", "given_name", "family_name", "email")}


def vouched_email(claims: dict[str, Any]) -> str:
    """The email in the platform-signed launch, unless the platform says it is unverified."""
    return str(claims.get("email") or "") if claims.get("email_verified") is not False else ""


def _id(claim: dict[str, Any]) -> str | None:
    return str(claim["id"]) if claim.get("id") else None


def open_session(conn: Connection, launch: ValidLaunch, role_map: RoleMap, now: float,
                 lifetime: float, session_in_urls: bool = False) -> OpenedSession:
    """Record who launched from where and start their session, in ``conn``'s transaction
    (the one that then consumes the launch's login).

    ``session_in_urls``: the browser keeps no cookie of the tool's (the launch came through
    platform storage), so the session may travel in the tool's own links and forms.
    """
    platform_id = launch.registration.ref
    lti_roles = [r for r in launch.roles if isinstance(r, str)]
    app_roles, mentor = role_map.grants(lti_roles)
    context_claim = launch.claim(c.CONTEXT)
    link_claim = launch.claim(c.RESOURCE_LINK)
    custom = launch.claim(c.CUSTOM)
    if launch.deployment_id not in launch.registration.deployment_ids:
        add_deployment(conn, platform_id, launch.deployment_id, now)  # accept_new_deployments
    email = vouched_email(launch.claims)

    def read() -> launch_reads.Known:
        return launch_reads.known_for_launch(conn, platform_id, launch.deployment_id, _id(context_claim),
                                             _id(link_claim), launch.subject, email, custom)
    known = read()
    expected = None
    if known.person_expected:  # a match may give a placeholder row this launch's sub: read again
        expected = expected_people_store.match_expected(conn, platform_id, launch.subject, email, now)
        known = read()
    # What a repeated launch only reads (course, link, activity address, person, membership)
    # was read above; only what changed is written. On SQLite the write lock is taken at the
    # first write, for a repeated launch the session's INSERT.
    context_pk = None
    if context_claim.get("id"):
        service_urls = {"lineitems_url": str(launch.claim(c.AGS_ENDPOINT).get("lineitems") or ""),
                        "memberships_url": str(launch.claim(c.NRPS).get("context_memberships_url") or "")}
        context_pk = people_store.save_context(conn, platform_id, launch.deployment_id, context_claim,
                                               service_urls, stored=known.context)
    link_pk = None
    if link_claim.get("id"):
        link_pk = people_store.save_resource_link(conn, platform_id, launch.deployment_id, link_claim,
                                                  context_pk, custom,
                                                  str(launch.claim(c.AGS_ENDPOINT).get("lineitem") or ""),
                                                  stored=known.link)
        if known.placement_waits:
            placement_store.note_first_launch(conn, context_pk, custom, link_pk)
        return_url = str(launch.claim(c.LAUNCH_PRESENTATION).get("return_url") or "")
        if urlsplit(return_url).scheme in ("https", "http"):  # mail links take people back there
            mail_store.save_activity_url(conn, link_pk, return_url, now, stored=known.activity_url)
    person_id = people_store.save_person(conn, platform_id, launch.subject, profile_of(launch.claims), now,
                                         stored=known.person)
    if expected is not None:
        audit(conn, at=now, actor_id=person_id, platform_id=platform_id, action="person.matched",
              record_type="person", record_id=person_id, detail={"by": expected.by, "source": expected.source})
    if context_pk is not None:
        membership = known.membership if known.person and known.person["id"] == person_id else None
        people_store.save_membership(conn, context_pk, person_id, app_roles, lti_roles, now, stored=membership)
    if mentor:
        # role_scope_mentor is trusted only with the Mentor role (validation refuses
        # it otherwise); an empty or absent list means "no mentees through the LMS".
        mentees = launch.claims.get(c.ROLE_SCOPE_MENTOR) or []
        people_store.sync_mentor_claim(conn, platform_id, person_id, list(mentees), now)
    kept = {name: launch.claims[uri] for name, uri in _KEPT_CLAIMS.items() if uri in launch.claims}
    kept.update(message_type=launch.message_type, deployment_id=launch.deployment_id,
                issuer=launch.registration.issuer, client_id=launch.registration.client_id,
                lti_roles=lti_roles, session_in_urls=session_in_urls)
    token, session = start_session(conn, now=now, lifetime=lifetime, person_id=person_id,
                                   platform_id=platform_id, context_pk=context_pk, resource_link_pk=link_pk,
                                   app_role=app_roles[0], app_roles=app_roles, launch=kept)
    # Of the launch's writes only the mentor claim's touches a team (an expected person's match
    # came before the read above); a person new to the tool is left to the landing's read.
    no_team = not (mentor or known.team_or_nominations) and known.person is not None and known.person["id"] == person_id
    return OpenedSession(token=token, session=session, message_type=launch.message_type,
                         languages=SavedLanguages(known.locale_choice, known.platform_locale), no_team=no_team)
