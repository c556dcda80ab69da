"""People, courses, resource links, memberships and manager links, as launches reveal them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from adapter.domain.relationships import links_from_claim

from . import driver_rows, driver_sql
from .tables import contexts, manager_links, memberships, people, resource_links
from .upsert import READ, upsert, upsert_if_changed

MENTOR_CLAIM = "mentor_claim"
# ``last_launch_at`` answers "has this person started?" and, for retention, "inactive for
# days?": a repeated launch within this many seconds leaves it be, so the common launch
# (same person, same profile) writes nothing to ``people``.
LAST_LAUNCH_LAG = 3600.0


def save_person(conn: Connection, platform_id: int, sub: str, profile: dict[str, str], now: float,
                launched: bool = True, stored: Any = READ) -> int:
    """``stored``, here and in the saves below: the row as read by the caller
    (upsert.upsert_if_changed); a launch reads them all at once (launch_reads.py)."""
    # Only the fields the platform sent are updated: a launch with no personal data must
    # not erase the name an earlier launch (or the roster) gave us.
    known = {k: v for k, v in profile.items() if v}
    if launched:
        known["last_launch_at"] = now
    if not known:
        return stub_person(conn, platform_id, sub, now)
    keys = {"platform_id": platform_id, "sub": sub}
    if not launched:
        return upsert(conn, people, keys, known, insert_only={"created_at": now})
    return upsert_if_changed(conn, people, keys, known, lagging={"last_launch_at": LAST_LAUNCH_LAG},
                             insert_only={"created_at": now}, stored=stored)


def stub_person(conn: Connection, platform_id: int, sub: str, now: float) -> int:
    """A person known only by id so far (a mentee named in role_scope_mentor)."""
    found = conn.execute(select(people.c.id).where(people.c.platform_id == platform_id,
                                                   people.c.sub == sub)).scalar()
    if found is not None:
        return found
    return conn.execute(insert(people).values(platform_id=platform_id, sub=sub, created_at=now)
                        .returning(people.c.id)).scalar_one()


def save_context(conn: Connection, platform_id: int, deployment_id: str, claim: dict[str, Any],
                 service_urls: dict[str, str] | None = None, stored: Any = READ) -> int:
    """The course; ``service_urls`` (lineitems_url, memberships_url) only when the launch
    carried them, so a launch without AGS/NRPS claims does not forget them."""
    known_urls = {k: v for k, v in (service_urls or {}).items() if v}
    return upsert_if_changed(conn, contexts, {"platform_id": platform_id, "deployment_id": deployment_id,
                                              "context_id": str(claim["id"])},
                             {"title": str(claim.get("title") or ""), "label": str(claim.get("label") or ""),
                              **known_urls}, stored=stored)


def save_resource_link(conn: Connection, platform_id: int, deployment_id: str, claim: dict[str, Any],
                       context_pk: int | None, custom: dict[str, Any], lineitem_url: str = "",
                       stored: Any = READ) -> int:
    """The link; its line item only when the launch's AGS claim named one (kept otherwise).
    A link the LMS sends without a title (Open edX sends only an id) keeps the title it was
    deep-linked with, carried in its custom parameters."""
    values = {"title": str(claim.get("title") or custom.get("title") or ""), "context_pk": context_pk,
              "custom": custom}
    if lineitem_url:
        values["lineitem_url"] = lineitem_url
    return upsert_if_changed(conn, resource_links, {"platform_id": platform_id, "deployment_id": deployment_id,
                                                    "resource_link_id": str(claim["id"])}, values, stored=stored)


_followed = resource_links.alias("followed")


def named_links():
    """Resource links with what names them (``id``, ``title``, ``custom``: its deep-linked
    title, ``followed_title``: the title of the course resource it follows); pages name an
    activity from these with the ``activity_name`` filter (adapter/web/formatting.py)."""
    r = resource_links.c
    return select(r.id, r.title, r.custom, _followed.c.title.label("followed_title")).select_from(
        resource_links.outerjoin(_followed, and_(_followed.c.context_pk == r.context_pk,
                                                 _followed.c.resource_link_id == r.custom["follows"].as_string())))


# :func:`named_links` as SQL text (``r`` the link, ``followed`` the resource it follows), for
# the pages that name activities on every visit (driver_sql.py says why); the ``follows``
# parameter read as SQLAlchemy's ``custom["follows"].as_string()`` reads it on each database.
NAMED_LINK = (driver_rows.Columns(resource_links, ("id", "title", "custom"), alias="r")
              + driver_rows.Columns(resource_links, ("title",), alias="followed", labels={"title": "followed_title"}))
_FOLLOWS = {"sqlite": "CAST(JSON_EXTRACT(r.custom, '$.\"follows\"') AS VARCHAR)",
            "postgresql": "CAST((r.custom ->> 'follows') AS VARCHAR)"}


def named_links_sql(rest: str, join: str = "", columns: str = "") -> dict[str, str]:
    """``SELECT`` :data:`NAMED_LINK` (then ``columns``) ``FROM`` the links (``join``ed), then
    ``rest`` (``WHERE``, ``ORDER BY``), per dialect name, for driver_rows.with_ids or one_and_each."""
    return {name: f"SELECT {NAMED_LINK.sql}{columns} FROM resource_links AS r{join} LEFT JOIN resource_links AS"
                  f" followed ON followed.context_pk = r.context_pk AND followed.resource_link_id = {follows} {rest}"
            for name, follows in _FOLLOWS.items()}


_NAMED_LINK = driver_rows.with_ids(named_links_sql("WHERE r.id = :id"))


def resource_link(conn: Connection, resource_link_pk: int) -> dict[str, Any] | None:
    row = conn.execute(select(resource_links).where(resource_links.c.id == resource_link_pk)).mappings().first()
    return dict(row) if row else None


def named_link(conn: Connection, resource_link_pk: int | None) -> dict[str, Any] | None:
    """One resource link with what names it (:func:`named_links`)."""
    if resource_link_pk is None:
        return None
    return next(iter(NAMED_LINK.read(conn, _NAMED_LINK, {"id": resource_link_pk})), None)


def course_titles(conn: Connection, context_pks: list[int]) -> dict[int, str]:
    return dict(conn.execute(select(contexts.c.id, contexts.c.title).where(contexts.c.id.in_(context_pks))).all())


def course_links(conn: Connection, platform_id: int, context_pk: int) -> dict[str, dict[str, Any]]:
    """The course's resource links, LMS link id → what names it (:func:`named_links`), by title."""
    rows = conn.execute(named_links().add_columns(resource_links.c.resource_link_id)
                        .where(resource_links.c.context_pk == context_pk, resource_links.c.platform_id == platform_id)
                        .order_by(resource_links.c.title, resource_links.c.id)).mappings()
    return {row["resource_link_id"]: dict(row) for row in rows}


def save_membership(conn: Connection, context_pk: int, person_id: int, app_roles: list[str],
                    lti_roles: list[str], now: float, stored: Any = READ) -> None:
    """``updated_at``: when the membership last changed (a launch repeating it changes nothing)."""
    upsert_if_changed(conn, memberships, {"context_pk": context_pk, "person_id": person_id},
                      {"app_roles": app_roles, "lti_roles": lti_roles, "updated_at": now, "status": "Active"},
                      ignored=("updated_at",), stored=stored)


def sync_mentor_claim(conn: Connection, platform_id: int, manager_id: int, mentee_subs: list[str],
                      now: float) -> None:
    """Make the mentor-claim links of this manager exactly the platform's current list.

    Links from other sources (admin import, confirmed nomination) are left alone; a mentee
    the platform no longer lists becomes a former mentee (ended, not deleted: history).
    """
    wanted = {link.learner_id for link in links_from_claim(
        manager_id, (stub_person(conn, platform_id, sub, now) for sub in mentee_subs if isinstance(sub, str) and sub))}
    current = dict(conn.execute(
        select(manager_links.c.learner_id, manager_links.c.ended_at)
        .where(manager_links.c.manager_id == manager_id, manager_links.c.source == MENTOR_CLAIM)
    ).all())
    for learner_id in wanted - current.keys():
        conn.execute(insert(manager_links).values(learner_id=learner_id, manager_id=manager_id,
                                                  source=MENTOR_CLAIM, created_at=now))
    revived = [lid for lid in wanted if lid in current and current[lid] is not None]
    ended = [lid for lid, ended_at in current.items() if lid not in wanted and ended_at is None]
    link = and_(manager_links.c.manager_id == manager_id, manager_links.c.source == MENTOR_CLAIM)
    if revived:
        conn.execute(update(manager_links).where(link, manager_links.c.learner_id.in_(revived)).values(ended_at=None))
    if ended:
        conn.execute(update(manager_links).where(link, manager_links.c.learner_id.in_(ended)).values(ended_at=now))


# Every page a person opens asks who their current mentees are (driver_sql.py: why as text).
_MENTEE_COLUMNS = ("id", "sub", "name", "email", "source")
_CURRENT_MENTEES = driver_sql.both(
    "SELECT people.id, people.sub, people.name, people.email, manager_links.source FROM people"
    " JOIN manager_links ON manager_links.learner_id = people.id"
    " WHERE manager_links.manager_id = :manager_id AND manager_links.ended_at IS NULL"
    " ORDER BY people.name, people.sub")


def current_mentees(conn: Connection, manager_id: int) -> list[dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {}
    for values in driver_sql.run(conn, _CURRENT_MENTEES, {"manager_id": manager_id}):
        row = dict(zip(_MENTEE_COLUMNS, values))
        entry = merged.setdefault(row["id"], {**row, "sources": []})
        entry["sources"].append(row["source"])
    return list(merged.values())


def context_of_link(conn: Connection, resource_link_pk: int) -> int | None:
    return conn.execute(select(resource_links.c.context_pk).where(resource_links.c.id == resource_link_pk)).scalar()
