"""Every link the code and the templates build by endpoint name (``url_for``, ``done``, ``tool_url``)
names an endpoint the app has: blueprints are one per module, so a page moved to another
module renames its endpoints, and a stale name would only fail when that link is rendered."""
from __future__ import annotations

import re
from pathlib import Path

from adapter.config import Settings
from adapter.web import create_app

ADAPTER = Path(__file__).resolve().parents[2] / "adapter"
NAMED = re.compile(r"""(?:url_for|done|tool_url)\(\s*['"]([a-z_]+\.[a-z_]+)['"]""")


def test_every_endpoint_named_in_a_link_exists(tmp_path):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))
    named = {(match, str(path.relative_to(ADAPTER))) for path in [*ADAPTER.rglob("*.py"), *ADAPTER.rglob("*.html")]
             for match in NAMED.findall(path.read_text(encoding="utf-8"))}
    assert len(named) > 50  # the links were found
    assert sorted((name, where) for name, where in named if name not in app.view_functions) == []
