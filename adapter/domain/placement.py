"""What an instructor places in a course through Deep Linking, and its custom parameters.

The custom parameters travel with the resource link: every later launch of it tells
the tool the kind, the template, and the learning activity records are attached to.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .due import CADENCE_PARAMETER, check_cadence
from .rules import RuleViolation, check_text
from .templates import TemplateCatalog

KINDS = {"check_in": "Check-in", "coaching": "Coaching conversation", "validation": "Validation of applied learning"}
MAX_POINTS = 1000


@dataclass(frozen=True)
class Placement:
    kind: str
    template: str
    title: str
    activity_iri: str  # the xAPI activity it is attached to, or ""
    follows: str  # the LMS resource link id it follows, or ""
    validation_required: bool
    points: float | None
    check_in_every_weeks: int | None = None  # the course's check-in rhythm, when the instructor sets one

    @classmethod
    def from_form(cls, form: dict[str, str], catalog: TemplateCatalog, known_links: set[str]) -> "Placement":
        kind = form.get("kind", "")
        if kind not in KINDS:
            raise RuleViolation("Kind", f"must be one of {', '.join(KINDS.values())}")
        template = catalog.get(form.get("template", ""))
        if kind != "validation" and template.kind != kind:
            raise RuleViolation("Template", f"{template.title} is not a {KINDS[kind].lower()} template")
        iri = check_text("Learning activity IRI", form.get("activity_iri"), required=False, max_length=1000)
        if iri and not (urlsplit(iri).scheme and (urlsplit(iri).netloc or urlsplit(iri).scheme == "urn")):
            raise RuleViolation("Learning activity IRI", "must be an absolute IRI such as https://…")
        follows = (form.get("follows") or "").strip()
        if follows and follows not in known_links:
            raise RuleViolation("LMS resource it follows", "is not an activity of this course")
        if not iri and not follows:
            raise RuleViolation("Learning activity", "give its xAPI activity IRI or pick the LMS resource it follows")
        return cls(kind=kind, template=template.key,
                   title=check_text("Title", form.get("title"), max_length=200),
                   activity_iri=iri, follows=follows,
                   validation_required=kind == "validation" or form.get("validation_required") == "yes",
                   points=_points(form.get("points")),
                   check_in_every_weeks=_weeks(form.get("check_in_every_weeks")))

    def custom_parameters(self) -> dict[str, str]:
        custom = {"kind": self.kind, "template": self.template,
                  "validation_required": "true" if self.validation_required else "false"}
        if self.activity_iri:
            custom["activity_iri"] = self.activity_iri
        if self.follows:
            custom["follows"] = self.follows
        if self.check_in_every_weeks:
            custom[CADENCE_PARAMETER] = str(self.check_in_every_weeks)
        return custom


def _weeks(value: str | None) -> int | None:
    days = check_cadence(value)
    return days // 7 if days else None


def _points(value: str | None) -> float | None:
    if not (value or "").strip():
        return None
    try:
        points = float(value)
    except ValueError:
        raise RuleViolation("Points", "must be a number") from None
    if not 0 < points <= MAX_POINTS:
        raise RuleViolation("Points", f"must be more than 0 and at most {MAX_POINTS}")
    return points
