"""A template global that is also registered as the same filter (``field_error``, ``invalid``) is
compiled as the filter (web/translated_templates.py), so a render's own value of that name would
not be seen where Jinja would have called it: no code gives a template such a value."""
from __future__ import annotations

import ast
from pathlib import Path

import adapter
from adapter.config import Settings
from adapter.web import create_app

SOURCES = Path(adapter.__file__).parent


def direct_names(tmp_path) -> set[str]:
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))
    templates = app.jinja_env
    return {name for name, function in templates.filters.items() if templates.globals.get(name) is function}


def values_named(tree: ast.AST, names: set[str]) -> list[int]:
    """Lines where a call passes a keyword, or a dict literal has a key, of one of ``names``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [node.lineno for keyword in node.keywords if keyword.arg in names]
        elif isinstance(node, ast.Dict):
            found += [node.lineno for key in node.keys if isinstance(key, ast.Constant) and key.value in names]
    return found


def test_no_render_is_given_a_value_named_like_a_directly_called_global(tmp_path):
    names = direct_names(tmp_path)
    assert {"field_error", "invalid"} <= names
    offending = {str(path.relative_to(SOURCES)): lines for path in SOURCES.rglob("*.py")
                 if (lines := values_named(ast.parse(path.read_text()), names))}
    assert offending == {}


def test_the_check_finds_such_a_value():
    page = ast.parse("render_template('x.html', invalid=True)\nvalues = {'field_error': 1}\nvalid = {'a': 1}")
    assert values_named(page, {"field_error", "invalid"}) == [1, 2]
