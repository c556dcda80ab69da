"""The outbox's SQL, written out per database: what writers, claims and settlements run.

The statements go to the DBAPI driver as they are (driver_sql.py says why), written with
``:name`` parameters (PostgreSQL gets ``%(name)s``). Writers pass the dicts
:func:`outbox_store.message_row` builds (a driver takes the names it needs from them);
a batch's ids are one parameter, a JSON array on SQLite and an ``INTEGER[]`` on
PostgreSQL, so a statement's text never changes with its batch. Claims take the rows due
longest, ``ORDER BY next_attempt_at, id``, the order of the partial index of pending rows
(ix_outbox_pending; migration 0018a says why), and say ``status = 'pending'`` literally
so that it applies. A claim returns ``id, target, message_id, attempts, next_attempt_at`` and
the payload last: the fields of ``outbox_store.OutboxMessage``, in order.
"""
from __future__ import annotations

from .driver_rows import IN_IDS
from .driver_sql import for_dialect

_DUE = "status = 'pending' AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now)"
_TARGET_DUE = "channel = :channel AND target = :target AND " + _DUE
_COMMON = {
    "targets": f"SELECT DISTINCT target FROM outbox WHERE channel = :channel AND {_DUE}",
}
# A message already queued (channel, target, message_id) is kept once: its key is taken
# (outbox_keys), so a repeat writes nothing — not even the payload an erasure or retention
# forgot (outbox_store.forget): what was forgotten stays forgotten. The key hands out the id
# its outbox row and payload take. SQLite (no INSERT in a WITH) reads the id back by the
# key and writes the payload only while that id has no outbox row yet (a message queued
# before has one, with or without its payload), then the row. PostgreSQL does it in one
# statement, writing the row and payload only for a key it inserted.
_KEY = "channel = :channel AND target = :target AND message_id = :message_id"
_NEW_KEY = ("INSERT INTO outbox_keys (channel, target, message_id) VALUES (:channel, :target, :message_id)"
            " ON CONFLICT DO NOTHING")
_ROW = "INSERT INTO outbox (id, channel, target, message_id, source, next_attempt_at, created_at)"
ENQUEUE = {
    "sqlite": (
        _NEW_KEY,
        ("INSERT INTO outbox_payloads (id, payload) SELECT id, CAST(:payload AS TEXT) FROM outbox_keys"
         f" WHERE {_KEY} AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.id = outbox_keys.id)"
         " ON CONFLICT DO NOTHING"),
        (f"{_ROW} SELECT id, channel, target, message_id, :source, :next_attempt_at, :created_at FROM outbox_keys"
         f" WHERE {_KEY} ON CONFLICT DO NOTHING")),
    "postgresql": (for_dialect(
        f"WITH new_key AS ({_NEW_KEY} RETURNING id),"
        f" new_row AS ({_ROW} SELECT id, :channel, :target, :message_id, :source, :next_attempt_at, :created_at"
        " FROM new_key)"
        " INSERT INTO outbox_payloads (id, payload) SELECT id, CAST(:payload AS TEXT) FROM new_key", "postgresql"),),
}
_BATCH = {name: "id " + in_ids for name, in_ids in IN_IDS.items()}  # the rows whose ids are :ids
_SETTLE = "UPDATE outbox SET {values}, claimed_until = NULL, claimed_by = NULL WHERE {ids}"


def _settlements(ids: str, held: bool = False) -> dict[str, str]:
    """A leased row is settled only while pending (its lease may have lapsed and another
    worker settled it); a held one (named ``held_<kind>``) is locked, so it is pending, and
    its settlement says no more: with ``status = 'pending'`` the planner may walk the pending
    rows' index for the ids (it did, ~80 µs a row, while the queue's statistics dated from an
    empty outbox) instead of the primary key."""
    prefix, guard = ("held_", "") if held else ("", " AND status = 'pending'")
    return {prefix + kind: _SETTLE.format(values=values, ids=ids + guard) for kind, values in (
        ("delivered", "status = 'delivered', delivered_at = :at, last_error = ''"),
        ("retry", "next_attempt_at = :at, attempts = :attempts, last_error = :reason"),
        ("dead", "status = 'dead', last_error = :reason"))}


SQLITE = {
    **_COMMON,
    # SQLite serialises writers: one UPDATE … RETURNING is an atomic claim.
    "claim": f"UPDATE outbox SET claimed_until = :until, claimed_by = :worker WHERE id IN (SELECT id FROM outbox"
             f" WHERE {_TARGET_DUE} ORDER BY next_attempt_at, id LIMIT :limit)"
             " RETURNING id, target, message_id, attempts, next_attempt_at",
    # As UTF-8 bytes: no decoding into str, and they go into a request body as they are.
    "read": "SELECT id, CAST(payload AS BLOB) FROM outbox_payloads WHERE " + _BATCH["sqlite"],
    **_settlements(_BATCH["sqlite"]),
}

# ``id = ANY(ARRAY(due))`` looks the claimed ids up in the primary key (``id IN (due)`` is
# planned as a hash join over the whole table); concurrent workers skip each other's rows.
# The claim reads the payloads in the same statement, each by its id in a subquery as the
# held claim does (below): as a join it was an index look-up per row only because the
# planner guesses 10 claimed rows (its default for ``= ANY`` of an array not yet known).
_PG_CLAIM = (
    "claimed AS (UPDATE outbox SET claimed_until = :until, claimed_by = :worker WHERE id = ANY(ARRAY("
    f"SELECT id FROM outbox WHERE {_TARGET_DUE} ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED))"
    " RETURNING id, target, message_id, attempts, next_attempt_at)"
    " SELECT claimed.id, claimed.target, claimed.message_id, claimed.attempts, claimed.next_attempt_at,"
    " (SELECT payload FROM outbox_payloads WHERE outbox_payloads.id = claimed.id) FROM claimed")
_PG_SETTLE = _settlements(_BATCH["postgresql"])
# A claim held by its transaction (outbox_held.py): the batch locked, not written. NO KEY
# UPDATE is the lock its settlement takes anyway; the payloads come as UTF-8 bytes (read
# in binary), spliced into a request body as they are, each looked up by its id in a
# subquery: as a join, once the outbox's statistics had seen a backlog of 20,000, the
# planner hashed the batch and scanned every payload (5.9 ms a claim of 100, not 0.22).
_PG_HOLD = (
    "SELECT o.id, o.target, o.message_id, o.attempts, o.next_attempt_at,"
    " (SELECT convert_to(payload, 'UTF8') FROM outbox_payloads WHERE outbox_payloads.id = o.id)"
    " FROM (SELECT id, target, message_id, attempts, next_attempt_at FROM outbox"
    f" WHERE {_TARGET_DUE}{{after}} ORDER BY next_attempt_at, id LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED) AS o")
# The same claim resumed after the worker's last one (outbox_store.SqlOutbox says when): the
# index scan starts at that key instead of the queue's head, so it does not walk past the
# rows other workers held before it and the settled rows whose index entries are not yet
# dead to every transaction. The rows it still walks (the batches the others claimed since)
# it passes by without trying their locks when their ``xmax`` is set (held by another claim,
# or marked by one that died): ~0.6 µs a row instead of ~1.2 (bench/scale/HISTORY.md). A
# dead claim's mark stays on its rows until they are written: they are left to the claims
# from the head, as the rows a resumed claim passes by are.
_PG_AFTER = " AND (next_attempt_at, id) > (:after_at, :after_id) AND xmax = 0"
POSTGRESQL = {name: for_dialect(sql, "postgresql") for name, sql in {
    **_COMMON,
    # Leased claims, each one statement run on its own (no explicit transaction): one round
    # trip per claim, and a claim marks the batch before delivered in the same statement.
    # Settlements run the same way, or in the transaction holding their rows.
    "claim": "WITH " + _PG_CLAIM,
    "claim_marking": "WITH delivered AS (" + _PG_SETTLE["delivered"] + "), " + _PG_CLAIM,
    "hold": _PG_HOLD.format(after=""),
    "hold_after": _PG_HOLD.format(after=_PG_AFTER),
    **_settlements(_BATCH["postgresql"], held=True),
    **_PG_SETTLE,
}.items()}

BY_DIALECT = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
