"""The demo LRS's page counts what it holds in words: one statement, two statements."""
from __future__ import annotations

from adapter.demo.lrs import DemoLrs


def _statement(number: int) -> dict:
    return {"id": f"00000000-0000-4000-8000-00000000000{number}", "actor": {"name": "Ana"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"id": f"https://example.org/activity/{number}"}, "timestamp": f"2026-12-05T10:0{number}:00.000Z"}


def test_the_page_counts_statements_with_singular_and_plural():
    lrs = DemoLrs()
    client = lrs.create_app().test_client()
    assert "Demo LRS: 0 statements<" in client.get("/").get_data(as_text=True)
    lrs.store([_statement(1)])
    assert "Demo LRS: 1 statement<" in client.get("/").get_data(as_text=True)
    lrs.store([_statement(2)])
    assert "Demo LRS: 2 statements<" in client.get("/").get_data(as_text=True)
