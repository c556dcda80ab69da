"""Read models for the coaching pages: what a page needs to know, in as few queries as
the page can afford (adapter/services/coaching_views.py cuts it to what the viewer may see)."""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Iterator

from sqlalchemy import Connection

from adapter.domain.people import shown_name
from adapter.domain.source_text import Translate, english

from . import driver_rows, driver_sql
from .coaching_store import LIVE, REFLECTION
from .people_store import NAMED_LINK, named_links_sql


# Pages name people and activities on every visit: SQL text (driver_sql.py says why).
_NAMES = driver_rows.with_ids("SELECT id, name, email, sub FROM people WHERE id {in_ids}")


def names(conn: Connection, person_ids: set[int], translate: Translate = english) -> dict[int, str]:
    """What each person is called (people.shown_name: an erased one's words in ``translate``'s language)."""
    if not person_ids:
        return {}
    return {person_id: shown_name(name, email, sub, translate) for person_id, name, email, sub
            in driver_sql.run(conn, _NAMES, {"ids": driver_rows.ids(conn, person_ids)})}


# What a learner has at all, with the launched activity's title, in one statement: the
# learner page answers every learner launch, and a section with nothing in it then costs
# no query (a learner who just arrived costs this one). SQL text: driver_sql.py says why.
_LEARNER_HAS_SECTIONS = {
    "reflections": f"reflections WHERE learner_id = :me AND {LIVE}",
    "conversations": f"conversations WHERE learner_id = :me AND {LIVE}",
    "validation_requests": f"validation_requests WHERE learner_id = :me AND {LIVE}",
    "agreed_actions": f"agreed_actions WHERE learner_id = :me AND {LIVE}",
    "manager_links": "manager_links WHERE learner_id = :me AND ended_at IS NULL",
    "manager_nominations": "manager_nominations WHERE learner_id = :me AND status = 'pending'",
}
_LEARNER_HAS = driver_sql.both(
    "SELECT (SELECT title FROM resource_links WHERE id = :link) AS link_title, "
    + ", ".join(f"EXISTS (SELECT 1 FROM {where}) AS {name}" for name, where in _LEARNER_HAS_SECTIONS.items()))


def learner_has(conn: Connection, learner_id: int, resource_link_pk: int | None) -> dict[str, Any]:
    """``link_title`` (None without that link) and, per table, whether the learner has rows there."""
    row = driver_sql.run(conn, _LEARNER_HAS, {"me": learner_id, "link": resource_link_pk})[0]
    return dict(zip(("link_title", *_LEARNER_HAS_SECTIONS), row))


_COURSE_LINKS_OF, _COURSE_LINKS_OF_EACH = driver_rows.one_and_each(named_links_sql(
    "ORDER BY r.title, r.id", columns=", memberships.person_id",
    join=" JOIN memberships ON memberships.context_pk = r.context_pk AND memberships.person_id {in_ids}"))
_MEMBER = itemgetter(len(NAMED_LINK))  # the member a row of the team's links was read for, after the link


def course_links_of(conn: Connection, learner_id: int) -> list[dict[str, Any]]:
    """The resource links of the courses the learner is a member of (what names each:
    people_store.named_links), by title."""
    return NAMED_LINK.read(conn, _COURSE_LINKS_OF, {"id": learner_id})


def course_links_of_each(conn: Connection, learner_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """:func:`course_links_of` for each of these learners, in one statement."""
    def read(ids: str) -> Iterator[tuple[int, dict[str, Any]]]:  # each link with the member it was read for
        values = driver_sql.run(conn, _COURSE_LINKS_OF_EACH, {"ids": ids})
        return zip(map(_MEMBER, values), NAMED_LINK.rows(conn, values))
    return driver_rows.grouped_by_id(conn, learner_ids, read)


_LINKS_REFLECTED_ON, _LINKS_REFLECTED_ON_EACH = driver_rows.one_and_each(
    f"SELECT learner_id, resource_link_pk FROM reflections WHERE learner_id {{in_ids}} AND {LIVE}")


def links_reflected_on(conn: Connection, learner_id: int) -> set[int]:
    return {link for _, link in driver_sql.run(conn, _LINKS_REFLECTED_ON, {"id": learner_id})}


def links_reflected_on_each(conn: Connection, learner_ids: list[int]) -> dict[int, set[int]]:
    """:func:`links_reflected_on` for each of these learners, in one statement."""
    return driver_rows.grouped_by_id(conn, learner_ids, lambda ids: driver_sql.run(
        conn, _LINKS_REFLECTED_ON_EACH, {"ids": ids}), collect=set)


_LINKS_NAMED = driver_rows.with_ids(named_links_sql("WHERE r.id {in_ids}"))


def links_named(conn: Connection, link_ids: set[int]) -> dict[int, dict[str, Any]]:
    """What names each of these links (people_store.named_links), by id."""
    if not link_ids:
        return {}
    return {row["id"]: row for row in NAMED_LINK.read(conn, _LINKS_NAMED, {"ids": driver_rows.ids(conn, link_ids)})}


_LIVE_REFLECTIONS = driver_sql.both(
    f"SELECT {REFLECTION.sql} FROM reflections WHERE learner_id = :learner_id AND {LIVE}"
    " ORDER BY updated_at DESC, id DESC")


def live_reflections(conn: Connection, learner_id: int) -> list[dict[str, Any]]:
    """The learner's live reflections, latest first."""
    return REFLECTION.read(conn, _LIVE_REFLECTIONS, {"learner_id": learner_id})


# An instructor's launch lands on these figures: one statement for the whole course, not three
# per link. Each figure over the link's live records: (what, of which table, which of them).
_PROGRESS = {
    "reflections": ("COUNT(*)", "reflections", ""), "confidence": ("AVG(confidence)", "reflections", ""),
    "conversations": ("COUNT(*)", "conversations", ""), "usefulness": ("AVG(rating)", "conversations", ""),
    **{status: ("COUNT(*)", "validation_requests", f" AND status = '{status}'")
       for status in ("pending", "validated", "needs_more_evidence")}}
_COURSE_ACTIVITY_PROGRESS = driver_rows.with_ids(named_links_sql(
    "WHERE r.context_pk = :context_pk ORDER BY r.title, r.id", columns="".join(
        f", (SELECT {figure} FROM {table} WHERE resource_link_pk = r.id AND {LIVE}{which})"
        for figure, table, which in _PROGRESS.values())))


def course_activity_progress(conn: Connection, context_pk: int) -> list[dict[str, Any]]:
    """Per resource link of the course (by title): what names it (people_store.named_links) and its
    ``progress`` — counts and averages over live records, no notes of any kind."""
    values = driver_sql.run(conn, _COURSE_ACTIVITY_PROGRESS, {"context_pk": context_pk})
    return [{**link, "progress": dict(zip(_PROGRESS, row[len(NAMED_LINK):]))}
            for link, row in zip(NAMED_LINK.rows(conn, values), values)]
