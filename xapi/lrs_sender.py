"""Sending a batch of statements to one LRS, and reading its answers row by row.

A batch goes out in one POST. Stored (2xx, including identical duplicates) delivers it;
413 splits it in halves down to one statement, and later batches stay at the size that
was asked for (a single statement too large is dead); 409 or 400/422 bisects it to find
the statement(s) at fault, which are dead with the LRS's message, the rest delivered;
anything retryable leaves every row not yet settled to the delivery loop's backoff.
"""
from __future__ import annotations

from collections import deque
from typing import Sequence

from xapi.delivery import Settlement
from xapi.lrs_client import LrsClient
from xapi.outbox import OutboxRow
from xapi.outcomes import Conflict, Rejected, Retryable, Stored, TooLarge


class LrsSender:
    """The :class:`xapi.delivery.Sender` of statements to one LRS."""

    def __init__(self, client: LrsClient) -> None:
        self.client = client
        self.target = client.config.name
        self.batch_limit = client.config.batch_size

    def send(self, rows: Sequence[OutboxRow]) -> Settlement:
        settlement = Settlement()
        pending: deque[list[OutboxRow]] = deque([list(rows)])
        while pending:
            chunk = pending.popleft()
            settlement.requests += 1
            outcome = self.client.post_statements([row.statement for row in chunk])
            if isinstance(outcome, Stored):
                settlement.delivered += chunk
                settlement.duplicates += _already_stored(chunk, outcome)
            elif isinstance(outcome, Retryable):
                settlement.unsettled = chunk + [row for rest in pending for row in rest]
                settlement.failure = outcome
                break
            elif len(chunk) == 1:
                settlement.dead.append((chunk[0], _reason(outcome)))
            else:
                if isinstance(outcome, TooLarge):
                    self.batch_limit = min(self.batch_limit, max(1, len(chunk) // 2))
                half = len(chunk) // 2
                pending.extendleft([chunk[half:], chunk[:half]])
        return settlement

    def close(self) -> None:
        self.client.close()


def _already_stored(chunk: Sequence[OutboxRow], outcome: Stored) -> int:
    """How many statements of the chunk the LRS reported as already stored: all of them
    on 204 (no body), those missing from its id list on 200."""
    if outcome.status == 204:
        return len(chunk)
    if not outcome.returned_ids:
        return 0
    returned = set(outcome.returned_ids)
    return sum(1 for row in chunk if row.statement_id not in returned)


def _reason(outcome: Conflict | Rejected | TooLarge) -> str:
    if isinstance(outcome, Conflict):
        return f"409 conflict: {outcome.message}"
    if isinstance(outcome, Rejected):
        return f"{outcome.status} rejected: {outcome.message}"
    return f"413 too large even alone: {outcome.message}"
