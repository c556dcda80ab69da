"""A platform admin cannot aim the tool at its own network: an LRS endpoint (or its OAuth2
token URL) on a loopback, private or link-local address is refused unless the operator
allows such addresses; the tool operator may set one (a self-hosted LRS beside the tool)."""
from __future__ import annotations

import html
import itertools

import pytest
from sqlalchemy import func, select

from adapter.persistence.xapi_tables import lrs_endpoints

_names = itertools.count(1)
INTERNAL = ["http://127.0.0.1:9/xapi/", "http://169.254.169.254/latest/", "http://[::1]:9/xapi/",
            "http://10.0.0.5/xapi/", "http://localhost:9/xapi/"]


def lrs_form(world, endpoint: str, **extra) -> dict:
    return {"platform_id": str(world.platform_id), "name": f"internal-{next(_names)}", "endpoint": endpoint,
            "auth_kind": "none", "xapi_version": "1.0.3", "batch_size": "10", **extra}


def endpoint_count(world) -> int:
    with world.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(lrs_endpoints)).scalar_one()


@pytest.mark.parametrize("endpoint", INTERNAL)
def test_a_platform_admin_cannot_add_an_lrs_on_an_internal_address(world, endpoint):
    before = endpoint_count(world)
    answer = world.post("admin", "/admin/lrs/new", lrs_form(world, endpoint))
    assert answer.status_code == 400
    assert "private, loopback or link-local address" in html.unescape(answer.get_data(as_text=True))
    assert endpoint_count(world) == before


def test_nor_an_oauth2_token_url_on_one(world):
    form = lrs_form(world, "https://lrs.example.org/xapi/", auth_kind="oauth2", client_id="tool",
                    secret="s", token_url="http://169.254.169.254/token")
    answer = world.post("admin", "/admin/lrs/new", form)
    assert answer.status_code == 400
    assert "Token URL is on a private" in html.unescape(answer.get_data(as_text=True))


def test_the_tool_operator_may_set_one(world):
    before = endpoint_count(world)
    answer = world.post("operator", "/admin/lrs/new", lrs_form(world, INTERNAL[0]))
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    assert endpoint_count(world) == before + 1
