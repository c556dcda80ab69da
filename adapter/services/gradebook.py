"""Validations in the LMS gradebook (AGS), through the outbox.

A validation request, decision or send-back writes an ``ags`` outbox row in the record's
own transaction (so an LMS outage delays the score and loses none); the delivery loop
(the same as the statements', xapi.delivery) hands each batch to a ``ScoreSender``, which
finds or creates the line item and posts the score. The platform keeps the score with
the latest timestamp, so timestamps are made strictly increasing per user and link.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from sqlalchemy import Connection

from adapter.domain.events import RecordEvent
from adapter.metrics import record_report
from adapter.persistence import gradebook_store
from adapter.persistence.outbox_store import CLAIM_LEASE_SECONDS, OutboxMessage, SqlOutbox, enqueue
from adapter.services.lms_services import LmsAccess, NoServiceAccess
from lti import claims as c
from lti.ags import (
    AgsClient, AgsEndpoint, AgsNotGranted, LineItem, Score, needs_more_evidence_score, validated_score,
    validation_requested_score, withdrawn_score,
)
from lti.service_token import PlatformServiceError, ServiceTokenClient
from xapi.backoff import RetryPolicy
from xapi.delivery import Deliverer, Settlement
from xapi.events import EventKind
from xapi.outcomes import Retryable

CHANNEL = "ags"
LINE_ITEM_TAG = "coachbridge-validation"
DECISIONS = {EventKind.VALIDATION_REQUESTED: "requested", EventKind.APPLICATION_VALIDATED: "validated",
             EventKind.NEEDS_MORE_EVIDENCE: "needs_more_evidence", EventKind.RECORD_WITHDRAWN: "withdrawn"}
AGS_SCOPES = frozenset({c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_LINEITEM_READONLY, c.AGS_SCOPE_SCORE})


def target_for(platform_id: int) -> str:
    return f"platform:{platform_id}"


def enqueue_scores(conn: Connection, events: Sequence[RecordEvent]) -> None:
    """Event handler: one score per validation event, for links whose LMS grants AGS. A
    request the learner withdrew clears its score (an erasure's voids leave the scores to
    the erasure, which cancels them: the request is not withdrawn there)."""
    for event in events:
        decision = DECISIONS.get(event.kind)
        if decision is None or event.resource_link_pk is None or event.record_type != "validation":
            continue
        if decision == "withdrawn" and not gradebook_store.request_withdrawn(conn, event.record_id):
            continue
        if not gradebook_store.offers_gradebook(conn, event.resource_link_pk):
            continue  # the LMS offered no gradebook for this link
        stamp = gradebook_store.next_score_timestamp(conn, event.resource_link_pk, event.learner_id,
                                     int(event.occurred_at.timestamp() * 1000))
        payload = {"resource_link_pk": event.resource_link_pk, "learner_id": event.learner_id,
                   "decision": decision, "comment": str(event.shared_fields.get("feedback") or ""),
                   "timestamp_ms": stamp}
        enqueue(conn, CHANNEL, target_for(event.platform_id),
                f"{event.resource_link_pk}:{event.learner_id}:{stamp}", payload, time.time(),
                source=f"{event.record_type} {event.record_id} v{event.record_version}")


def score_for(decision: str, user_id: str, at: datetime, maximum: float, comment: str) -> Score:
    if decision == "validated":
        return validated_score(user_id, at, maximum, maximum, comment or "Application validated")
    if decision == "needs_more_evidence":
        return needs_more_evidence_score(user_id, at, comment or "More evidence needed")
    if decision == "withdrawn":
        return withdrawn_score(user_id, at)
    return validation_requested_score(user_id, at)


class MalformedScore(ValueError):
    """A queued score message that cannot be read (written by hand, or damaged)."""


@dataclass(frozen=True)
class ScoreMessage:
    """A queued score, as :func:`enqueue_scores` wrote it."""

    resource_link_pk: int
    learner_id: int
    decision: str
    comment: str
    at: datetime

    @classmethod
    def read(cls, row: OutboxMessage) -> "ScoreMessage":
        try:
            fields = row.payload
            return cls(int(fields["resource_link_pk"]), int(fields["learner_id"]), str(fields["decision"]),
                       str(fields["comment"]), datetime.fromtimestamp(fields["timestamp_ms"] / 1000, timezone.utc))
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise MalformedScore(f"the queued score cannot be read ({type(error).__name__}: {error})") from error


class ScoreSender:
    """The :class:`xapi.delivery.Sender` of scores to one platform's gradebook: one POST
    per score, in order; a transient failure leaves the rest to the delivery loop's backoff,
    a permanent refusal (or no gradebook access any more) is dead."""

    def __init__(self, access: LmsAccess, platform_id: int, batch_limit: int) -> None:
        self.access = access
        self.platform_id = platform_id
        self.target = target_for(platform_id)
        self.batch_limit = batch_limit

    def send(self, rows: Sequence[OutboxMessage]) -> Settlement:
        settlement = Settlement()
        try:
            token_client = self.access.token_client(self.platform_id)
        except NoServiceAccess as error:
            settlement.dead = [(row, str(error)) for row in rows]
            return settlement
        for index, row in enumerate(rows):
            try:
                score = ScoreMessage.read(row)
            except MalformedScore as error:  # no retry can send it: dead, not stuck in the queue
                settlement.dead.append((row, str(error)))
                continue
            settlement.requests += 1
            try:
                self._post(token_client, score)
            except PlatformServiceError as error:
                if error.retryable:
                    settlement.unsettled = list(rows[index:])
                    settlement.failure = Retryable(error.message, error.status)
                    break
                settlement.dead.append((row, error.message))
            except (AgsNotGranted, NoServiceAccess) as error:
                settlement.dead.append((row, str(error)))
            else:
                settlement.delivered.append(row)
        return settlement

    def close(self) -> None:
        """Nothing held open: each batch asks for a fresh service token."""

    def _post(self, token_client: ServiceTokenClient, score: ScoreMessage) -> None:
        engine = self.access.engine
        with engine.connect() as conn:
            subject = gradebook_store.score_subject(conn, score.resource_link_pk, score.learner_id)
        if subject is None:
            raise NoServiceAccess("the activity or the learner of this score no longer exists")
        link, user_id = subject
        client = AgsClient(token_client, AgsEndpoint(scopes=AGS_SCOPES, lineitems=link["lineitems_url"] or None,
                                                     lineitem=link["lineitem_url"] or None))
        lineitem_url, maximum = link["lineitem_url"], link["score_maximum"]
        if not lineitem_url or maximum is None:
            item = self._line_item(client, link)
            lineitem_url, maximum = item.id, item.score_maximum
            with engine.begin() as conn:
                gradebook_store.keep_line_item(conn, link["id"], lineitem_url, maximum)
        client.post_score(score_for(score.decision, user_id, score.at, maximum, score.comment),
                          lineitem_url=lineitem_url)

    def _line_item(self, client: AgsClient, link: dict[str, Any]) -> LineItem:
        """The link's line item as the platform has it: the one its AGS claim named, else the
        one found by resource link and tag, else a new one."""
        for item in client.list_line_items(resource_link_id=link["resource_link_id"]):
            if item.id == link["lineitem_url"] or (not link["lineitem_url"] and item.tag == LINE_ITEM_TAG):
                return item
        if link["lineitem_url"]:
            return LineItem(label=link["title"], score_maximum=1.0, id=link["lineitem_url"])
        return client.ensure_line_item(LineItem(label=link["title"] or "Validation of applied learning",
                                                score_maximum=1.0, resource_link_id=link["resource_link_id"],
                                                tag=LINE_ITEM_TAG))


class ScoreDeliveryJob:
    """Posts due scores, platform by platform, through the delivery loop (xapi.delivery):
    one batch per platform per run; a platform that fails transiently backs off with all
    its claimed scores."""

    def __init__(self, access: LmsAccess, policy: RetryPolicy = RetryPolicy(), batch_size: int = 20,
                 draw: Callable[[], float] = random.random, lease: float = CLAIM_LEASE_SECONDS) -> None:
        self.access = access
        self.outbox = SqlOutbox(access.engine, CHANNEL, lease=lease)
        self.policy = policy
        self.batch_size = batch_size
        self.draw = draw
        self._deliverers: dict[str, Deliverer] = {}
        self._now = time.time()

    def run_once(self, now: float | None = None) -> int:
        """Deliver what is due at ``now``; how many scores were settled (delivered or dead)."""
        self._now = time.time() if now is None else now
        settled = 0
        for target in self.outbox.targets_with_due(self._now):
            report = self._deliverer(target).deliver_batch()
            record_report(CHANNEL, target, report)
            settled += report.delivered + report.dead
        return settled

    def _deliverer(self, target: str) -> Deliverer:
        if target not in self._deliverers:
            sender = ScoreSender(self.access, int(target.split(":", 1)[1]), self.batch_size)
            self._deliverers[target] = Deliverer(self.outbox, sender, self.policy, clock=self._clock, draw=self.draw)
        return self._deliverers[target]

    def _clock(self) -> datetime:
        """The loop's time is the moment this run delivers for (a test may ask for a later one)."""
        return datetime.fromtimestamp(self._now, timezone.utc)
