"""Placed activities (Deep Linking) and which of them no launch has opened yet."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, update

from . import driver_rows, driver_sql
from .placement_tables import placements

# The custom parameter a placed link carries its placement's id in: its first launch
# stores the resource link it brought in against it.
PLACEMENT_PARAMETER = "placement"


def add_placement(conn: Connection, platform_id: int, context_pk: int | None, title: str, custom: dict[str, Any],
                  now: float) -> int:
    return conn.execute(insert(placements).values(platform_id=platform_id, context_pk=context_pk, title=title,
                                                  custom=custom, created_at=now)
                        .returning(placements.c.id)).scalar_one()


def set_custom(conn: Connection, placement_id: int, custom: dict[str, Any]) -> None:
    conn.execute(update(placements).where(placements.c.id == placement_id).values(custom=custom))


def placement_of(custom: dict[str, Any]) -> int | None:
    """The placement a link's custom parameters name, if any."""
    placement_id = str(custom.get(PLACEMENT_PARAMETER) or "")
    return int(placement_id) if placement_id.isascii() and placement_id.isdigit() else None


def note_first_launch(conn: Connection, context_pk: int | None, custom: dict[str, Any], link_pk: int) -> None:
    """A launch of a placed link: the placement it names (in the same course) is opened.
    The launch calls it only when its read found that placement unopened (launch_reads.py)."""
    placement_id = placement_of(custom)
    if context_pk is None or placement_id is None:
        return
    conn.execute(update(placements).where(placements.c.id == placement_id, placements.c.context_pk == context_pk,
                                          placements.c.resource_link_pk.is_(None))
                 .values(resource_link_pk=link_pk))


# An instructor's launch lands on the course page, which lists these (driver_sql.py: why as text).
_PLACEMENT = driver_rows.Columns(placements, ("id", "title", "custom"))
_UNOPENED_PLACEMENTS = driver_sql.both(
    f"SELECT {_PLACEMENT.sql} FROM placements WHERE context_pk = :context_pk AND resource_link_pk IS NULL"
    " ORDER BY created_at")


def unopened_placements(conn: Connection, context_pk: int) -> list[dict[str, Any]]:
    """Activities placed in the course that no launch has brought in yet."""
    return _PLACEMENT.read(conn, _UNOPENED_PLACEMENTS, {"context_pk": context_pk})
