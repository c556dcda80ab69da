"""Placed activities (Deep Linking) and which of them no launch has opened yet."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from .placement_tables import placements
from .tables import resource_links


def add_placement(conn: Connection, platform_id: int, context_pk: int | None, title: str, custom: dict[str, Any],
                  now: float) -> None:
    conn.execute(insert(placements).values(platform_id=platform_id, context_pk=context_pk, title=title,
                                           custom=custom, created_at=now))


def unopened_placements(conn: Connection, context_pk: int) -> list[dict[str, Any]]:
    """Activities placed in the course that no launch has brought in yet (a launched link
    carries the placed title, in its own title or its custom parameters)."""
    launched = {title for title, custom in conn.execute(
        select(resource_links.c.title, resource_links.c.custom).where(resource_links.c.context_pk == context_pk))
        for title in (title, (custom or {}).get("title"))}
    return [dict(row) for row in conn.execute(
        select(placements.c.title, placements.c.custom).where(placements.c.context_pk == context_pk)
        .order_by(placements.c.created_at)).mappings() if row["title"] not in launched]
