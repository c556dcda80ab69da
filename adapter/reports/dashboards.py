"""Dashboards per audience, already cut to what the asker may see, and their CSV.

A manager sees their current mentees' measures and their team's targets; an instructor
their course's; an admin the organisation's, by platform and by course. Every figure is
a count, a share or a mean: no note, no evidence and no name of a learner is in what a
dashboard receives.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from sqlalchemy import Connection, Engine

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden, NotFound, Viewer
from adapter.domain.commands import SetTarget
from adapter.domain.events import RecordEvent
from adapter.domain.source_text import Translate, english
from adapter.domain.targets import TARGET_MEASURES, Progress, Quarter, Target
from adapter.domain.translatable import N_
from adapter.persistence import report_summaries, targets_store
from adapter.persistence.people_store import course_titles, current_mentees
from adapter.persistence.platform_store import platform_choices
from adapter.persistence.relationships_store import people_by_email, person_by_sub
from adapter.persistence.report_queries import Scope, facts_by_course

from .measures import Facts, Measure, definition_kind, definition_parts, measures, total


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: a platform or a course. ``name`` is the LMS's; a course the
    LMS gave no title is named by the tool, in the reader's language (``tool_name``)."""

    name: str
    facts: Facts
    tool_name: tuple[str, dict] | None = None  # (text marked with N_, its values)

    def name_in(self, translate: Translate) -> str:
        return translate(self.tool_name[0], **self.tool_name[1]) if self.tool_name else self.name

    @property
    def measures(self) -> list[Measure]:
        return measures(self.facts)


@dataclass(frozen=True)
class Dashboard:
    title: str
    as_of: date
    facts: Facts
    by_platform: list[Group] = field(default_factory=list)
    by_course: list[Group] = field(default_factory=list)
    targets: list[Progress] = field(default_factory=list)
    quarter: Quarter | None = None

    @property
    def measures(self) -> list[Measure]:
        return measures(self.facts)


def manager_dashboard(conn: Connection, viewer: Viewer, today: date) -> Dashboard:
    """The viewer's current mentees, whoever held their conversations."""
    by_course = facts_by_course(conn, Scope(learner_ids=viewer.mentee_ids), today)
    quarter = Quarter.of(today)
    return Dashboard("Your team", today, total(by_course.values()), by_course=_courses(conn, by_course),
                     targets=_progress(conn, quarter, today, AdminScope.of_platform(viewer.platform_id),
                                       viewer.person_id), quarter=quarter)


def course_dashboard(conn: Connection, viewer: Viewer, today: date) -> Dashboard:
    if not viewer.sees_course(viewer.context_pk):
        raise NotFound("no course in this launch")
    by_course = facts_by_course(conn, Scope(context_pk=viewer.context_pk), today)
    title = course_titles(conn, [viewer.context_pk]).get(viewer.context_pk)
    return Dashboard(title or "Your course", today, total(by_course.values()))


def organisation_dashboard(conn: Connection, scope: AdminScope | None, today: date) -> Dashboard:
    """The platforms in the admin's ``scope`` (every one for a tool operator), from the
    course summary (kept in each record's transaction by ``keep_summaries``), not from
    every record: for an operator the same facts as facts_by_course(conn, Scope(), today)."""
    if scope is None:
        raise Forbidden(N_("organisation reports are for administrators"))
    by_course = report_summaries.course_facts(conn, today, scope)
    names = {p["id"]: p["name"] for p in platform_choices(conn, scope)}
    by_platform: dict[int, Facts] = {}
    for (platform_id, _), facts in by_course.items():
        by_platform[platform_id] = by_platform.get(platform_id, Facts()) + facts
    quarter = Quarter.of(today)
    return Dashboard("Organisation", today, total(by_course.values()),
                     by_platform=sorted((Group(names.get(p) or f"Platform {p}", f) for p, f in by_platform.items()),
                                        key=lambda g: g.name),
                     by_course=_courses(conn, by_course), targets=_progress(conn, quarter, today, scope),
                     quarter=quarter)


def keep_summaries(conn: Connection, events: Sequence[RecordEvent]) -> None:
    """Event handler, in the record's transaction: the learners whose records changed get
    their share of the organisation's summary recomputed (adapter/persistence/report_summaries.py)."""
    report_summaries.refresh_learners(conn, (event.learner_id for event in events))


def rebuild_summaries(engine: Engine) -> dict[str, int]:
    """Recompute the organisation's summary from every record, in one transaction."""
    with engine.begin() as conn:
        return report_summaries.rebuild(conn)


def _courses(conn: Connection, by_course: dict) -> list[Group]:
    titles = course_titles(conn, [c for _, c in by_course if c is not None])
    groups = [Group(titles[course], facts) if titles.get(course) else
              Group("", facts, (N_("No course"), {}) if course is None
                    else (N_("Course %(number)s"), {"number": course}))
              for (_, course), facts in by_course.items()]
    return sorted(groups, key=lambda g: g.name_in(english))


def _progress(conn: Connection, quarter: Quarter, today: date, scope: AdminScope,
              manager_id: int | None = None) -> list[Progress]:
    actuals = targets_store.team_actuals(conn, quarter, scope, manager_id)
    return [Progress(Target(row["manager_id"], quarter, row["measure"], row["target"]),
                     actuals.get((row["manager_id"], row["measure"]), 0), today, row["manager"])
            for row in targets_store.targets_of(conn, quarter, scope, manager_id)]


def set_target(engine: Engine, viewer: Viewer, command: SetTarget, now: float) -> Target:
    target = Target.set_by(viewer, command)
    with engine.begin() as conn:
        targets_store.save_target(conn, target, viewer.person_id or None, now)
    return target


def find_manager(conn: Connection, platform_id: int, email_or_id: str) -> int | None:
    """The manager an admin names by email or LTI user id on a platform (they must manage
    someone), or None when no single one matches (the target's rules say so, with the rest)."""
    wanted = email_or_id.strip()
    found = people_by_email(conn, platform_id, wanted) if "@" in wanted else [person_by_sub(conn, platform_id, wanted)]
    managers = [p for p in found if p is not None and current_mentees(conn, p)]
    return managers[0] if len(managers) == 1 else None


CSV_HEADER = (N_("group"), N_("measure"), N_("label"), N_("value"), N_("unit"), N_("count"), N_("numerator"),
              N_("definition"))


def csv_text(dashboard: Dashboard, translate: Translate = english) -> str:
    """Every measure of every group, one row each, its words in ``translate``'s language (the
    measure keys stay as they are); cells a spreadsheet would run as a formula are quoted with
    a leading apostrophe (course titles come from the LMS)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(column) for column in CSV_HEADER])
    groups = [Group(dashboard.title, dashboard.facts), *dashboard.by_platform, *dashboard.by_course]
    for group in groups:
        for m in group.measures:
            definition = " ".join(translate(text, **values)
                                  for text, values in definition_parts(*definition_kind(m.key)))
            writer.writerow([spreadsheet_cell(group.name_in(translate)), m.key, translate(m.label),
                             "" if m.value is None else f"{m.value:.2f}", m.unit, m.count,
                             "" if m.numerator is None else m.numerator, definition])
    for p in dashboard.targets:
        writer.writerow([spreadsheet_cell(p.manager), f"target:{p.target.measure}",
                         translate(TARGET_MEASURES[p.target.measure]), p.actual,
                         translate(N_("of %(target)d in %(quarter)s"), target=p.target.target,
                                   quarter=str(p.target.quarter)),
                         p.target.target, p.actual, translate(p.status)])
    return out.getvalue()


def spreadsheet_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (names and titles come from other systems)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
