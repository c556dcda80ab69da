"""base.html's header is rendered once per key and kept (navigation.page_header): whatever
_page_header.html prints must be in that key, or one person's page would show another's."""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, nodes

from .signed_in import signed_in_learner

HEADER = Path(__file__).parents[2] / "adapter" / "web" / "templates" / "_page_header.html"
# What page_header's key covers (the locale and script root: _() and url_for), the CSRF field
# it puts in, and what the header may read of each object (web_session only whether there is one).
COVERED = {"_": set(), "url_for": set(), "csrf": set(), "language_choices": set(), "page_section": set(),
           "web_session": set(), "nav": {"sections"}, "request": {"full_path", "method", "path"}}


def test_the_kept_header_reads_only_what_its_key_covers():
    tree = Environment(extensions=["jinja2.ext.i18n"]).parse(HEADER.read_text())
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "store"}  # loop variables
    read = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"} - assigned
    assert read == set(COVERED), "page_header's key (navigation.py) must cover what the header reads"
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in COVERED:
            assert node.attr in COVERED[node.node.name], f"{node.node.name}.{node.attr}: add it to page_header's key"


def test_a_kept_header_is_the_one_rendered_for_the_same_page(tmp_path):
    _, client = signed_in_learner(tmp_path)

    def header(path: str) -> str:
        page = client.get(path, base_url="https://localhost").get_data(as_text=True)
        return re.search(r"<header.*</header>", page, re.S).group(0)

    first = header("/learner/?done=rating")
    assert 'name="next" value="/learner/?done=rating"' in first and 'aria-current="page"' in first
    assert header("/learner/?done=rating") == first  # kept
    assert 'name="next" value="/learner/?done=action"' in header("/learner/?done=action")  # another key
