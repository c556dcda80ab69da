"""Messages the framework-free code marks with ``N_`` (rule errors, refusals, an upload's
problems), in the reader's language: the web layer translates them as it renders."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from adapter.domain.relationships import RowProblem
from adapter.domain.rules import RuleViolation
from adapter.reports.measures import figure


def explain(violation: RuleViolation) -> str:
    """One broken rule as a sentence, e.g. "Date held cannot be in the future"."""
    return _(violation.problem, field=_(violation.field), **violation.params)


def row_problem(problem: RowProblem) -> str:
    params = dict(problem.params)
    if "field" in params:  # a rule broken by a row's value names the field it checks
        params["field"] = _(params["field"])
    return _("line %(line)d: %(problem)s", line=problem.line, problem=_(problem.problem, **params))


def refusal(error: Exception) -> str:
    """A domain refusal (Forbidden) whose message is marked with ``N_``."""
    return _("Not allowed: %(why)s.", why=_(str(error)))


def shown_figure(cell) -> str:
    """A report's figure (a Measure, or a breakdown's Cell) in the reader's language."""
    if getattr(cell, "hidden", False):
        return _("hidden")
    return figure(cell.value, cell.unit, _)


def init_app(app: Flask) -> None:
    app.add_template_filter(explain)
    app.add_template_filter(row_problem)
    app.add_template_filter(shown_figure, "figure")
