"""Answering a Deep Linking request with the activity the instructor chose."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from adapter.domain.placement import Placement
from adapter.persistence.placement_store import PLACEMENT_PARAMETER, add_placement, set_custom
from lti import claims
from lti.ags import LineItem
from lti.deep_linking import DeepLinkingResponse, ResourceLink, build_deep_linking_response
from lti.keys import SigningKey


def request_claims(launch: dict[str, Any]) -> dict[str, Any]:
    """The parts of the stored Deep Linking request that the signed answer echoes."""
    return {"iss": launch["issuer"], "aud": launch["client_id"], claims.DEPLOYMENT_ID: launch["deployment_id"],
            claims.DL_SETTINGS: launch["deep_linking_settings"]}


def place_activity(engine: Engine, platform_id: int, context_pk: int | None, launch: dict[str, Any],
                   placement: Placement, launch_url: str, signing_key: SigningKey, now: float) -> DeepLinkingResponse:
    """Keep the placement and answer the LMS with it, the placement's id in the link's custom
    parameters (its first launch is matched by it); an answer that cannot be built keeps nothing."""
    with engine.begin() as conn:
        custom = placement.custom_parameters()
        placement_id = add_placement(conn, platform_id, context_pk, placement.title, custom, now)
        custom = {**custom, PLACEMENT_PARAMETER: str(placement_id)}
        set_custom(conn, placement_id, custom)
        return answer_deep_link(launch, placement, custom, launch_url, signing_key)


def answer_deep_link(launch: dict[str, Any], placement: Placement, custom: dict[str, str], launch_url: str,
                     signing_key: SigningKey) -> DeepLinkingResponse:
    line_item = None
    if placement.points is not None:
        line_item = LineItem(label=placement.title, score_maximum=placement.points, tag=placement.kind,
                             resource_id=placement.activity_iri or placement.follows or None)
    link = ResourceLink(title=placement.title, url=launch_url, custom=custom,
                        line_item=line_item)
    return build_deep_linking_response(request_claims(launch), [link], signing_key,
                                       msg=f"Added “{placement.title}”")
