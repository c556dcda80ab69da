"""Messages the framework-free code marks with ``N_`` (an upload's problems, report figures),
in the reader's language: the web layer translates them as it renders (a broken rule:
``i18n.rule_problem``)."""
from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import Markup
from flask_babel import format_decimal, gettext as _, ngettext

from adapter.domain.relationships import RowProblem
from adapter.domain.translatable import Translatable
from adapter.reports.measures import figure

from .i18n import rule_problem


def translated(text: Translatable, **values: Any) -> str:
    """Text marked with ``N_`` (gettext) or ``Np_`` (ngettext, by the value named num)."""
    return ngettext(*text, **values) if isinstance(text, tuple) else _(text, **values)


def row_problem(problem: RowProblem) -> str:
    params = dict(problem.params)
    if "field" in params:  # a rule broken by a row's value names the field it checks
        params["field"] = _(params["field"])
    return _("line %(line)d: %(problem)s", line=problem.line, problem=_(problem.problem, **params))


def shown_figure(cell) -> str:
    """A report's figure (a Measure, or a breakdown's Cell) in the reader's language."""
    if getattr(cell, "hidden", False):
        return _("hidden")
    return figure(cell.value, cell.unit, _, _locale_number)


def _locale_number(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` digits after the locale's decimal sign (2.5 / 2,5)."""
    return format_decimal(value, "#,##0." + "0" * decimals if decimals else "#,##0")


# Beside every form field, whether or not the form has a problem: plain functions, not
# template macros (a macro call builds a frame and a context per call, ~100 per page).
_FIELD_ERROR = Markup('<span class="field-error" id="{0}-error">{1}.</span>')
_INVALID = Markup('aria-invalid="true" aria-describedby="{0}-error"')
_NOTHING = Markup()  # what each prints for a field without a problem: one object, not one per call


def field_error(error: Any, name: str) -> Markup:
    """A form field's own problems (``error``: the form's RuleViolation, or none)."""
    if not error:
        return _NOTHING
    return _NOTHING.join(_FIELD_ERROR.format(name, rule_problem(e)) for e in error.all if e.name == name)


def invalid(error: Any, name: str) -> Markup:
    """The attributes that tie a field to its problem, if the form has one for it."""
    if error and any(e.name == name for e in error.all):
        return _INVALID.format(name)
    return _NOTHING


def init_app(app: Flask) -> None:
    app.add_template_filter(row_problem)
    app.add_template_filter(shown_figure, "figure")
    app.add_template_global(field_error)
    app.add_template_global(invalid)
