"""The outbox as the delivery loop sees it.

The application stores outbox rows in its database, written in the same transaction as
the record that caused them (SQLAlchemy, claimed with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL); the loop in :mod:`xapi.delivery` only needs these few operations, so it
stays free of any database and is tested against an in-memory outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Hashable, Protocol, Sequence

from xapi.lrs_client import StatementPayload

RowId = Hashable


class OutboxRow(Protocol):
    """One statement waiting for one LRS (``target`` is the LRS's configured name).

    ``statement`` is the statement as a dict or pre-serialized JSON; ``statement_id``
    its id, kept beside it so that pre-serialized rows need no parsing.
    """

    @property
    def id(self) -> RowId: ...
    @property
    def target(self) -> str: ...
    @property
    def statement_id(self) -> str: ...
    @property
    def statement(self) -> StatementPayload: ...
    @property
    def attempts(self) -> int: ...
    @property
    def next_attempt_at(self) -> datetime: ...


class Outbox(Protocol):
    """Storage for statements on their way to an LRS. Every row ends delivered or dead:
    none is ever deleted unsent."""

    def claim_due(self, target: str, limit: int, now: datetime,
                  delivered: Sequence[RowId] = ()) -> Sequence[OutboxRow]:
        """Up to ``limit`` pending rows for ``target`` whose ``next_attempt_at`` <= ``now``,
        oldest first, that no other worker holds. The caller holds them until it marks
        each one; a claim whose worker died must lapse so that another worker takes the
        rows again (a lease, or a transaction that ends with the worker).

        ``delivered``: held rows to mark delivered first, in the claim's transaction or
        just before it (the pipelined loop settles one batch as it claims the next)."""

    def mark_delivered(self, row_ids: Sequence[RowId]) -> None:
        """The LRS has these statements (stored now or earlier)."""

    def schedule_retry(self, row_ids: Sequence[RowId], at: datetime, attempts: int, reason: str) -> None:
        """Nothing was decided for these rows: release them, due again at ``at``."""

    def mark_dead(self, row_id: RowId, reason: str) -> None:
        """The LRS will never take this statement as it is (409, 400, 413 alone); keep it
        with the reason for an operator to read and requeue."""
