"""Every table of the tool on one metadata: what Alembic compares with the database and
the migrations must create. A feature's tables live in a module of their own (on
``tables.metadata``); import that module here."""
from __future__ import annotations

from . import (  # noqa: F401  (their tables)
    breakdown_tables, coaching_tables, locale_tables, people_tables, placement_tables, reminder_tables, report_summary_tables,
    retention_tables, targets_tables, xapi_tables,
)
from .tables import metadata  # noqa: F401  (with every table above on it)
