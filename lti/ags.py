"""Assignment and Grade Services 2.0: line items and scores.

A manager's validation lands in the LMS gradebook as a score on a line item. The line
item comes from the launch's AGS claim, from the Deep Linking ``lineItem``, or is created
here on demand after looking it up by resource link id and tag (so two workers racing
on the first score find one line item, not none).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from lti import claims
from lti.service_token import ServiceTokenClient


class AgsNotGranted(Exception):
    """The platform's AGS claim does not allow this operation (missing URL or scope)."""


@dataclass(frozen=True)
class AgsEndpoint:
    """The AGS claim of a launch: what the tool may do in this context, and where."""

    scopes: frozenset[str]
    lineitems: str | None = None
    lineitem: str | None = None

    @classmethod
    def from_claims(cls, launch_claims: Mapping[str, Any]) -> "AgsEndpoint | None":
        claim = launch_claims.get(claims.AGS_ENDPOINT)
        if not isinstance(claim, dict):
            return None
        return cls(
            scopes=frozenset(claim.get("scope") or ()),
            lineitems=claim.get("lineitems"),
            lineitem=claim.get("lineitem"),
        )


@dataclass(frozen=True)
class LineItem:
    """A gradebook column; ``id`` is its URL, None until the platform created it."""

    label: str
    score_maximum: float
    id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    resource_link_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        document = {
            "id": self.id,
            "label": self.label,
            "scoreMaximum": self.score_maximum,
            "resourceId": self.resource_id,
            "tag": self.tag,
            "resourceLinkId": self.resource_link_id,
        }
        return {name: value for name, value in document.items() if value is not None}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> "LineItem":
        return cls(
            id=document.get("id"),
            label=document.get("label", ""),
            score_maximum=document.get("scoreMaximum", 0),
            resource_id=document.get("resourceId"),
            tag=document.get("tag"),
            resource_link_id=document.get("resourceLinkId"),
        )


class ActivityProgress(StrEnum):
    INITIALIZED = "Initialized"
    STARTED = "Started"
    IN_PROGRESS = "InProgress"
    SUBMITTED = "Submitted"
    COMPLETED = "Completed"


class GradingProgress(StrEnum):
    FULLY_GRADED = "FullyGraded"
    PENDING = "Pending"
    PENDING_MANUAL = "PendingManual"
    FAILED = "Failed"
    NOT_READY = "NotReady"


def rfc3339_millis(moment: datetime) -> str:
    """RFC 3339 with milliseconds and an explicit offset, as AGS asks of score timestamps."""
    if moment.tzinfo is None:
        raise ValueError("score timestamps need a timezone; a naive datetime is ambiguous")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Score:
    """One score post; platforms keep the one with the latest timestamp per user."""

    user_id: str
    activity_progress: ActivityProgress
    grading_progress: GradingProgress
    timestamp: datetime
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "userId": self.user_id,
            "activityProgress": str(self.activity_progress),
            "gradingProgress": str(self.grading_progress),
            "timestamp": rfc3339_millis(self.timestamp),
        }
        if self.score_given is not None:
            document["scoreGiven"] = self.score_given
            document["scoreMaximum"] = self.score_maximum
        if self.comment is not None:
            document["comment"] = self.comment
        return document


def validation_requested_score(user_id: str, timestamp: datetime) -> Score:
    """The learner asked the manager to validate: the gradebook shows it awaits a person."""
    return Score(user_id, ActivityProgress.SUBMITTED, GradingProgress.PENDING_MANUAL, timestamp)


def validated_score(
    user_id: str, timestamp: datetime, score_given: float, score_maximum: float, comment: str
) -> Score:
    """The manager validated the application of the learning: a final grade."""
    if score_given < 0 or score_maximum <= 0:
        raise ValueError(f"score {score_given} out of {score_maximum} is not a grade")
    return Score(
        user_id,
        ActivityProgress.COMPLETED,
        GradingProgress.FULLY_GRADED,
        timestamp,
        score_given=score_given,
        score_maximum=score_maximum,
        comment=comment,
    )


def needs_more_evidence_score(user_id: str, timestamp: datetime, comment: str) -> Score:
    """The manager asked for more evidence: back in progress, with the manager's reason."""
    return Score(
        user_id, ActivityProgress.IN_PROGRESS, GradingProgress.PENDING, timestamp, comment=comment
    )


def withdrawn_score(user_id: str, timestamp: datetime) -> Score:
    """The learner took their request back: nothing submitted, nothing to grade."""
    return Score(user_id, ActivityProgress.INITIALIZED, GradingProgress.NOT_READY, timestamp)


def scores_url(lineitem_url: str) -> str:
    """``{lineitem}/scores`` with ``/scores`` added to the path: some platforms' line item
    URLs carry a query string (``.../lineitems/7?type_id=2``) that must stay at the end."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


class AgsClient:
    """AGS calls within one context, as far as its :class:`AgsEndpoint` allows."""

    def __init__(self, token_client: ServiceTokenClient, endpoint: AgsEndpoint) -> None:
        self.token_client = token_client
        self.endpoint = endpoint

    def list_line_items(
        self,
        *,
        resource_link_id: str | None = None,
        tag: str | None = None,
        resource_id: str | None = None,
    ) -> list[LineItem]:
        """All line items of the context (every page), filtered by the platform."""
        filters = {"resource_link_id": resource_link_id, "tag": tag, "resource_id": resource_id}
        url = _with_query(self._lineitems_url(), {k: v for k, v in filters.items() if v})
        return [
            LineItem.from_json(document)
            for page in self.token_client.get_pages(
                url, {self._read_scope()}, claims.MEDIA_TYPE_LINEITEM_CONTAINER
            )
            for document in page.json()
        ]

    def find_line_item(self, *, resource_link_id: str | None, tag: str | None) -> LineItem | None:
        """The line item with this resource link id and tag; checked here as well because
        some platforms ignore the filter parameters."""
        for item in self.list_line_items(resource_link_id=resource_link_id, tag=tag):
            if item.resource_link_id == resource_link_id and item.tag == tag:
                return item
        return None

    def create_line_item(self, item: LineItem) -> LineItem:
        self._require_scope(claims.AGS_SCOPE_LINEITEM)
        response = self.token_client.request(
            "POST",
            self._lineitems_url(),
            {claims.AGS_SCOPE_LINEITEM},
            headers={
                "Content-Type": claims.MEDIA_TYPE_LINEITEM,
                "Accept": claims.MEDIA_TYPE_LINEITEM,
            },
            json=item.to_json(),
        )
        return LineItem.from_json(response.json())

    def ensure_line_item(self, item: LineItem) -> LineItem:
        """The existing line item for ``item``'s resource link id and tag, else a new one."""
        return self.find_line_item(
            resource_link_id=item.resource_link_id, tag=item.tag
        ) or self.create_line_item(item)

    def post_score(self, score: Score, lineitem_url: str | None = None) -> None:
        """Posts to ``lineitem_url``, or to the launch's own line item when not given."""
        self._require_scope(claims.AGS_SCOPE_SCORE)
        target = lineitem_url or self.endpoint.lineitem
        if not target:
            raise AgsNotGranted("no line item to post the score to")
        self.token_client.request(
            "POST",
            scores_url(target),
            {claims.AGS_SCOPE_SCORE},
            headers={"Content-Type": claims.MEDIA_TYPE_SCORE},
            json=score.to_json(),
        )

    def _lineitems_url(self) -> str:
        if not self.endpoint.lineitems:
            raise AgsNotGranted("the AGS claim has no lineitems URL for this context")
        return self.endpoint.lineitems

    def _read_scope(self) -> str:
        for scope in (claims.AGS_SCOPE_LINEITEM_READONLY, claims.AGS_SCOPE_LINEITEM):
            if scope in self.endpoint.scopes:
                return scope
        raise AgsNotGranted("the AGS claim grants no line item scope")

    def _require_scope(self, scope: str) -> None:
        if scope not in self.endpoint.scopes:
            raise AgsNotGranted(f"the AGS claim does not grant {scope}")


def _with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` added after whatever query it already carries."""
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit(parts._replace(query=query))
