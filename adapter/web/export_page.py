"""A person's export as a self-contained HTML page: the admin page serves it and
`coachbridge person export --html` writes it, from the one template."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Response
from flask_babel import gettext, ngettext
from jinja2 import Environment, FileSystemLoader, select_autoescape

from adapter.domain.translatable import N_

from .i18n import html_lang, text_direction

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_environment = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(default=True),
                           extensions=["jinja2.ext.i18n"])
# In the asker's language on a page; in English from the command line (no request, no locale).
_environment.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]


# The export's sections (its documented JSON keys, adapter/web/static/person-export.schema.json)
# as the page heads them; the fields inside keep their JSON names.
SECTIONS = {
    "person": N_("Person"), "provisioning": N_("Provisioning"), "courses": N_("Courses"),
    "managers": N_("Managers"), "team": N_("Team"), "nominations": N_("Nominations"),
    "reflections": N_("Reflections"), "conversations": N_("Conversations"), "agreed_actions": N_("Agreed actions"),
    "validation_requests": N_("Validation requests"), "learning_targets": N_("Learning targets"),
    "audit_events": N_("Audit events"), "sent": N_("Sent"), "gradebook_entries": N_("Gradebook entries"),
}


def section_heading(key: str) -> str:
    return gettext(SECTIONS[key]) if key in SECTIONS else key.replace("_", " ").capitalize()


_environment.filters["section_heading"] = section_heading


def export_html(document: dict[str, Any]) -> str:
    return _environment.get_template("person_export.html").render(document=document, lang=html_lang(),
                                                                  direction=text_direction())


def export_response(document: dict[str, Any], kind: str, name: str) -> Response:
    """The export as a JSON download, or as its page."""
    if kind == "html":
        return Response(export_html(document), mimetype="text/html")
    return Response(json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})
