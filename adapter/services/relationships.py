"""Use cases on manager relationships: the admin's CSV import and learner nominations."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from adapter.domain.authorization import Forbidden, NotFound, Viewer
from adapter.domain.relationships import SUPERSEDES, ManagerLink, PersonKey, RowProblem, parse_relationship_csv
from adapter.domain.rules import RuleViolation
from adapter.domain.translatable import N_
from adapter.persistence import relationships_store as links
from adapter.persistence.breakdown_queries import set_teams
from adapter.persistence.coaching_store import audit
from adapter.persistence.expected_people_store import find_or_expect

IMPORT, NOMINATION = "import", "nomination"


@dataclass(frozen=True)
class ImportResult:
    rows: int
    started: int  # links that were not current before
    problems: list[RowProblem]
    expected: int = 0  # people in the file who have not launched yet

    @property
    def written(self) -> bool:
        return not self.problems


class _RowRejected(Exception):
    pass


def import_relationships(engine: Engine, admin_id: int | None, platform_id: int, csv_text: str,
                         now: float) -> ImportResult:
    """All rows or none: any bad row rolls back the whole file and is reported by line."""
    rows, problems = parse_relationship_csv(csv_text)
    if problems:
        return ImportResult(len(rows), 0, problems)
    started = 0
    try:
        with engine.begin() as conn:
            pairs, teams = [], []
            for row in rows:
                try:
                    # Two names (a user id and an email, say) may be one person: checked once resolved.
                    pairs.append(ManagerLink(_resolve(conn, platform_id, row.learner, now),
                                             _resolve(conn, platform_id, row.manager, now)))
                    if row.team:
                        teams.append((pairs[-1].learner_id, row.team))
                except RuleViolation as bad:
                    problems.append(RowProblem(row.line, bad.problem, {"field": bad.field, **bad.params}))
            if problems:
                raise _RowRejected
            set_teams(conn, teams)
            for link in dict.fromkeys(pairs):
                started += links.link_manager(conn, link, IMPORT, now)
            for learner_id in {link.learner_id for link in pairs}:  # the file outranks nominations
                links.end_other_managers(conn, learner_id, {l.manager_id for l in pairs if l.learner_id == learner_id},
                                         SUPERSEDES[IMPORT], now)
            expected = links.count_not_launched(conn, {p for link in pairs for p in (link.learner_id, link.manager_id)})
            audit(conn, at=now, actor_id=admin_id, platform_id=platform_id, action="relationships.imported",
                  record_type="manager_link", detail={"rows": len(rows), "started": started, "expected": expected})
    except _RowRejected:
        return ImportResult(len(rows), 0, problems)
    return ImportResult(len(rows), started, [], expected)


def _resolve(conn: Connection, platform_id: int, key: PersonKey, now: float) -> int:
    """The person a row names; someone who has not launched yet is expected from now on
    (matched at their first launch by LMS user id, else by email)."""
    person_id = find_or_expect(conn, platform_id, user_id=key.user_id, email=key.email, source=IMPORT, now=now)
    if person_id is None:
        raise RuleViolation(N_("Email"),
                            N_("%(email)s belongs to several people on this platform; use their LTI user id"),
                            email=key.email)
    return person_id


def nominate_manager(engine: Engine, viewer: Viewer, email: str, now: float) -> None:
    """A learner names their manager by email; someone who has not opened coachbridge yet
    is expected, and asked at their first launch (matched by the email their LMS sends)."""
    email, field = email.strip(), (N_("Manager's email"), "manager_email")
    if "@" not in email or len(email) > 254:
        raise RuleViolation(field[0], N_("%(field)s is not an email address"), field[1])
    with engine.begin() as conn:
        manager_id = find_or_expect(conn, viewer.platform_id, email=email, source=NOMINATION, now=now)
        if manager_id is None:
            raise RuleViolation(field[0], N_("%(field)s belongs to several people here; ask an administrator"),
                                field[1])
        if manager_id == viewer.person_id:
            raise RuleViolation(field[0], N_("%(field)s is your own: a person cannot be their own manager"),
                                field[1])
        link = ManagerLink(viewer.person_id, manager_id)
        if link.manager_id in links.managers_of(conn, viewer.person_id):
            raise RuleViolation(field[0], N_("%(field)s is already your manager"), field[1])
        nomination_id = links.add_nomination(conn, link.learner_id, link.manager_id, now)
        audit(conn, at=now, actor_id=viewer.person_id, platform_id=viewer.platform_id,
              action="nomination.requested", record_type="nomination", record_id=nomination_id)


def decide_nomination(engine: Engine, viewer: Viewer, nomination_id: int, confirm: bool, now: float) -> None:
    """Only the nominated manager confirms; a confirmation starts a manager link."""
    with engine.begin() as conn:
        nomination = links.get_nomination(conn, nomination_id)
        if nomination is None or nomination["manager_id"] != viewer.person_id:
            raise NotFound("no such nomination")
        if nomination["status"] != "pending":
            raise Forbidden(N_("this nomination has already been answered"))
        status = "confirmed" if confirm else "declined"
        links.decide_nomination(conn, nomination_id, status, now)
        if confirm:
            links.link_manager(conn, ManagerLink(nomination["learner_id"], viewer.person_id), NOMINATION, now)
        audit(conn, at=now, actor_id=viewer.person_id, platform_id=viewer.platform_id,
              action=f"nomination.{status}", record_type="nomination", record_id=nomination_id)
