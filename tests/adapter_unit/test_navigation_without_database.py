"""The navigation asks the database who manages whom; when that fails, the error page
still renders (with the launch's own sections) instead of a bare server error."""
from __future__ import annotations

from sqlalchemy import text

from .signed_in import signed_in_learner


def test_a_page_whose_queries_fail_still_gets_the_tools_error_page(tmp_path):
    engine, client = signed_in_learner(tmp_path)
    assert b"Your activity" in client.get("/learner/", base_url="https://localhost").data
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE manager_nominations"))  # what the page and the navigation both read
    page = client.get("/learner/", base_url="https://localhost")
    assert page.status_code == 500
    assert b"Something went wrong on our side" in page.data and b"Your activity" in page.data
