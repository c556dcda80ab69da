"""Forms whose checks answer a message per field (``{field name: sentence}``) shown the way
every form shows its problems (_macros.html: the summary linked to each field, each
problem beside its field): as the domain's RuleViolations."""
from __future__ import annotations

from typing import Mapping

from adapter.domain.rules import RuleViolation, RuleViolations


def problems(errors: Mapping[str, str]) -> RuleViolations | None:
    """Each sentence under its field's name (None when there is none); the sentence already
    names the field, so it is the whole problem."""
    if not errors:
        return None
    return RuleViolations([RuleViolation("", message.rstrip("."), name) for name, message in errors.items()])


def problem(message: str, name: str | None = None) -> RuleViolation | None:
    """One sentence about one field (or the whole form, without ``name``); None for none."""
    return RuleViolation("", message.rstrip("."), name) if message else None


def prefixed(broken: RuleViolation, prefix: str) -> RuleViolation:
    """A form whose field ids carry ``prefix`` (``target-quarter``): its problems' names too."""
    for violation in broken.all:
        violation.name = prefix + violation.name if violation.name else None
    return broken
