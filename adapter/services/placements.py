"""Answering a Deep Linking request with the activity the instructor chose."""
from __future__ import annotations

from typing import Any

from adapter.domain.placement import Placement
from lti import claims
from lti.ags import LineItem
from lti.deep_linking import DeepLinkingResponse, ResourceLink, build_deep_linking_response
from lti.keys import SigningKey


def request_claims(launch: dict[str, Any]) -> dict[str, Any]:
    """The parts of the stored Deep Linking request that the signed answer echoes."""
    return {"iss": launch["issuer"], "aud": launch["client_id"], claims.DEPLOYMENT_ID: launch["deployment_id"],
            claims.DL_SETTINGS: launch["deep_linking_settings"]}


def answer_deep_link(launch: dict[str, Any], placement: Placement, launch_url: str,
                     signing_key: SigningKey) -> DeepLinkingResponse:
    line_item = None
    if placement.points is not None:
        line_item = LineItem(label=placement.title, score_maximum=placement.points, tag=placement.kind,
                             resource_id=placement.activity_iri or placement.follows or None)
    link = ResourceLink(title=placement.title, url=launch_url, custom=placement.custom_parameters(),
                        line_item=line_item)
    return build_deep_linking_response(request_claims(launch), [link], signing_key,
                                       msg=f"Added “{placement.title}”")
