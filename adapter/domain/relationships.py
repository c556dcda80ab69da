"""Manager relationships: the rule every source of them obeys, and the administrator's
CSV file (parsing and row checks).

A link comes from the LMS's mentor claim, SCIM provisioning, an admin import or a
confirmed nomination; each source builds a :class:`ManagerLink`, so nobody is ever recorded as
their own manager, and so nobody validates their own application.

Columns (header row required, any order, separated by commas or Excel's semicolons):
``learner_user_id`` and/or ``learner_email``, ``manager_user_id`` and/or ``manager_email``;
a row names each side by at least one of them. An optional ``team`` column names the
learner's team or department (the reports' by-team view); a blank cell leaves it as it was.
Every bad row is reported with its line number, and nothing is written unless every
row is good (the service resolves people, then writes all rows in one transaction).
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from .rules import RuleViolation
from .translatable import N_

# Where a manager relationship comes from, strongest first. The Mentor claim is the LMS's
# own word for its course and is never overridden; the HR system (provisioning) then names
# a learner's line manager, ending import and nomination links to anyone else; an import
# ends nomination links to anyone else; a nomination adds a manager only where none is known.
SOURCES = {
    "mentor_claim": N_("the LMS's Mentor role (role_scope_mentor), in a launch or the roster"),
    "provisioning": N_("the HR system or identity provider, through SCIM"),
    "import": N_("an administrator's CSV import"),
    "nomination": N_("a learner's nomination, confirmed by the manager"),
}
PRECEDENCE = tuple(SOURCES)
# The sources a source's new link ends for the same learner (links to other managers).
SUPERSEDES = {"provisioning": ("import", "nomination"), "import": ("nomination",)}

COLUMNS = ("learner_user_id", "learner_email", "manager_user_id", "manager_email")
TEAM = "team"
MAX_ROWS = 10_000
MAX_CELL = 255  # an LTI user id is at most 255 characters, an email address 254
OWN_MANAGER = N_("a person cannot be their own manager")


@dataclass(frozen=True)
class ManagerLink:
    """``manager_id`` manages ``learner_id``: two different people, whatever the source."""

    learner_id: int
    manager_id: int

    def __post_init__(self) -> None:
        if self.learner_id == self.manager_id:
            raise RuleViolation(N_("Manager"), OWN_MANAGER)


def links_from_claim(manager_id: int, learner_ids: Iterable[int]) -> set[ManagerLink]:
    """The links a platform's mentee list makes; a list naming the mentor themself does not
    make them their own manager (the rest of the list still counts)."""
    return {ManagerLink(learner_id, manager_id) for learner_id in learner_ids if learner_id != manager_id}


@dataclass(frozen=True)
class PersonKey:
    """How a CSV row names someone on the platform: their LTI user id and/or their email
    (the user id wins when both are given; the email then helps recognise them)."""

    user_id: str = ""
    email: str = ""

    def __str__(self) -> str:
        return self.user_id or self.email


@dataclass(frozen=True)
class RelationshipRow:
    line: int
    learner: PersonKey
    manager: PersonKey
    team: str = ""  # the learner's team, when the file has a team column


@dataclass(frozen=True)
class RowProblem:
    """What is wrong on one line of an uploaded file: English marked with ``N_`` whose named
    placeholders ``params`` fill, translated by the page that lists it."""
    line: int
    problem: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem % self.params}"


TEMPLATE_CSV = ("learner_email,learner_user_id,manager_email,manager_user_id\r\n"
                "ana@example.org,,maria@example.org,\r\n"
                ",lms-user-1042,maria@example.org,\r\n")


def decode_csv(data: bytes) -> str:
    """An uploaded file's text; anything but UTF-8 text is refused, not guessed at."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleViolation(N_("The file"), N_("%(field)s is not a CSV text file (save it as CSV, UTF-8)")) from None


def delimiter_of(text: str) -> str:
    """Excel saves "CSV" with semicolons where the decimal mark is a comma: the header says which."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def parse_relationship_csv(text: str) -> tuple[list[RelationshipRow], list[RowProblem]]:
    text = text.lstrip("\ufeff")  # UTF-8 with BOM, as Excel writes "CSV UTF-8"
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter_of(text))
    try:
        return _parse_rows(reader)
    except csv.Error as error:  # a cell beyond the csv module's limit, say: raised reading the next line
        return [], [RowProblem(reader.line_num + 1, N_("cannot be read as CSV (%(error)s)"), {"error": str(error)})]


def _parse_rows(reader: csv.DictReader) -> tuple[list[RelationshipRow], list[RowProblem]]:
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [side for side in ("learner", "manager")
               if f"{side}_user_id" not in header and f"{side}_email" not in header]
    if missing:
        return [], [RowProblem(1, N_("the header names no %(missing)s column (expected some of: %(columns)s)"),
                               {"missing": " or ".join(missing), "columns": ", ".join(COLUMNS)})]
    rows, problems = [], []
    for record in reader:
        line = reader.line_num
        if line > MAX_ROWS + 1:
            problems.append(RowProblem(line, N_("more than %(rows)d rows; split the file"), {"rows": MAX_ROWS}))
            break
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue
        learner, manager = _key(record, "learner"), _key(record, "manager")
        unreadable = _unreadable(line, record)
        if unreadable:
            problems.append(unreadable)
        elif learner is None or manager is None:
            problems.append(RowProblem(line, N_("no learner user id or email") if learner is None
                                       else N_("no manager user id or email")))
        elif learner == manager:
            problems.append(RowProblem(line, OWN_MANAGER))
        elif (learner.email and "@" not in learner.email) or (manager.email and "@" not in manager.email):
            problems.append(RowProblem(line, N_("an email address has no @")))
        else:
            rows.append(RelationshipRow(line, learner, manager, (record.get(TEAM) or "").strip()))
    return rows, problems


def _unreadable(line: int, record: dict) -> RowProblem | None:
    for names, too_long, control in (
            (COLUMNS, N_("a user id or email is longer than %(max)d characters"),
             N_("a user id or email holds a control character (a NUL byte, say)")),
            ((TEAM,), N_("a team is longer than %(max)d characters"),
             N_("a team holds a control character (a NUL byte, say)"))):
        cells = [value for name, value in record.items() if name in names and isinstance(value, str)]
        if any(len(value) > MAX_CELL for value in cells):
            return RowProblem(line, too_long, {"max": MAX_CELL})
        if any(unicodedata.category(char) == "Cc" for value in cells for char in value.strip()):
            return RowProblem(line, control)
    return None


def _key(record: dict, side: str) -> PersonKey | None:
    user_id = (record.get(f"{side}_user_id") or "").strip()
    email = (record.get(f"{side}_email") or "").strip()
    return PersonKey(user_id=user_id, email=email) if user_id or email else None
