"""An admin's scope as a SQL condition: every admin query filters its platform column with it."""
from __future__ import annotations

from sqlalchemy import ColumnElement, true

from adapter.domain.admin_scope import AdminScope


def within(scope: AdminScope, platform_column) -> ColumnElement[bool]:
    return true() if scope.is_operator else platform_column == scope.platform_id
