"""What an instructor places in a course through Deep Linking, and its custom parameters.

The custom parameters travel with the resource link: every later launch of it tells
the tool the kind, the template, and the learning activity records are attached to.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .commands import PlaceActivity
from .due import CADENCE_PARAMETER, check_cadence
from .rules import ONE_OF, FormChecks, RuleViolation, check_text
from .translatable import N_
from .templates import TemplateCatalog

KINDS = {"check_in": N_("Check-in"), "coaching": N_("Coaching conversation"),
         "validation": N_("Validation of applied learning")}
WRONG_KIND = {"check_in": N_("%(title)s is not a check-in template"),
              "coaching": N_("%(title)s is not a coaching conversation template")}
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
    def place(cls, command: PlaceActivity, catalog: TemplateCatalog, known_links: set[str]) -> "Placement":
        """Every problem of the command at once. The learning activity is given by its web
        address (IRI), by the course resource it follows, or both: then records are attached
        to the web address, and the course resource is what the activity follows."""
        checks = FormChecks()
        kind = command.kind
        if kind not in KINDS:
            checks.refuse("kind", N_("Kind"), ONE_OF, choices=", ".join(KINDS.values()))
        template = checks.check("template", catalog.get, command.template)
        if template and kind in KINDS and kind != "validation" and template.kind != kind:
            checks.refuse("template", N_("Conversation template"), WRONG_KIND[kind], title=template.title)
        title = checks.check("title", check_text, N_("Title in the course"), command.title, max_length=200)
        iri = checks.check("activity_iri", check_text, N_("Web address of the learning activity"), command.activity_iri,
                           required=False, max_length=1000) or ""
        if iri and not (urlsplit(iri).scheme and (urlsplit(iri).netloc or urlsplit(iri).scheme == "urn")):
            checks.refuse("activity_iri", N_("Web address of the learning activity"),
                          N_("%(field)s must be a full address such as https://…"))
        follows = command.follows.strip()
        if follows and follows not in known_links:
            checks.refuse("follows", N_("Course resource it follows"),
                          N_("%(field)s is not an activity of this course"))
        if not iri and not follows:
            checks.refuse("activity_iri", N_("Learning activity"),
                          N_("%(field)s is missing: give its web address, or pick the course resource it follows"))
        points = checks.check("points", _points, command.points)
        weeks = checks.check("check_in_every_weeks", _weeks, command.check_in_every_weeks)
        checks.raise_if_broken()
        return cls(kind=kind, template=template.key, title=title, activity_iri=iri, follows=follows,
                   validation_required=kind == "validation" or command.validation_required,
                   points=points, check_in_every_weeks=weeks)

    def custom_parameters(self) -> dict[str, str]:
        # The title travels too: some LMSs (Open edX) launch a link without its title.
        custom = {"kind": self.kind, "template": self.template, "title": self.title,
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
        raise RuleViolation(N_("Points"), N_("%(field)s must be a number")) from None
    if not 0 < points <= MAX_POINTS:
        raise RuleViolation(N_("Points"), N_("%(field)s must be more than 0 and at most %(max)d"), max=MAX_POINTS)
    return points
