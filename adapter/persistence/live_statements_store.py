"""What each LRS holds of a record (``xapi_live_statements``) and the launch data a
statement names (people, course, link): the xAPI bridge's reads and writes.

The bridge voids what an LRS holds when a record is corrected or withdrawn; an endpoint
added later never got the earlier versions, so this is kept per LRS (per ``target``)."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, Row, delete, select

from .tables import contexts, people, platforms, resource_links
from .upsert import upsert
from .xapi_tables import xapi_live_statements

_live = xapi_live_statements.c


def _held(target: str, record_key: str):
    return select(_live.statement_id).where(_live.target == target, _live.record_key == record_key)


def held_statements(conn: Connection, target: str, record_key: str,
                    kinds: Iterable[str] | None = None) -> tuple[str, ...]:
    """The statement ids ``target`` holds live for the record (of ``kinds`` only, if given),
    oldest version first."""
    query = _held(target, record_key)
    if kinds is not None:
        query = query.where(_live.kind.in_(tuple(kinds)))
    return tuple(conn.execute(query.order_by(_live.record_version)).scalars())


def latest_held(conn: Connection, target: str, record_key: str, kind: str) -> str | None:
    """The newest statement of ``kind`` that ``target`` holds for the record."""
    return conn.execute(_held(target, record_key).where(_live.kind == kind)
                        .order_by(_live.record_version.desc()).limit(1)).scalar()


def forget_held(conn: Connection, target: str, record_key: str, statement_ids: Iterable[str]) -> None:
    """Voided: ``target`` no longer holds these live."""
    conn.execute(delete(xapi_live_statements).where(_live.target == target, _live.record_key == record_key,
                                                    _live.statement_id.in_(tuple(statement_ids))))


def remember_held(conn: Connection, target: str, record_key: str, kind: str, version: int,
                  statement_id: str) -> None:
    """``target`` holds this statement live (a newer version of it replaces the older)."""
    upsert(conn, xapi_live_statements, {"target": target, "record_key": record_key, "statement_id": statement_id},
           {"record_version": version, "kind": kind}, returning_id=False)


def platform_issuer(conn: Connection, platform_id: int) -> str:
    return conn.execute(select(platforms.c.issuer).where(platforms.c.id == platform_id)).scalar_one()


def person_named(conn: Connection, person_id: int) -> Row:
    """``sub``, ``name``, ``email`` of a person, as a statement's agent names them."""
    return conn.execute(select(people.c.sub, people.c.name, people.c.email).where(people.c.id == person_id)).one()


def course_named(conn: Connection, context_pk: int) -> Row:
    return conn.execute(select(contexts.c.context_id, contexts.c.title).where(contexts.c.id == context_pk)).one()


def link_named(conn: Connection, resource_link_pk: int) -> Row:
    """``deployment_id``, ``resource_link_id`` and ``title`` of a resource link."""
    return conn.execute(select(resource_links.c.deployment_id, resource_links.c.resource_link_id,
                               resource_links.c.title).where(resource_links.c.id == resource_link_pk)).one()
