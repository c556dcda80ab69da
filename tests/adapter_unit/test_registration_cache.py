"""The registration cache (lti_stores.SqlRegistrationStore) is dropped by the functions that
write to ``platforms`` or ``deployments`` (platform_store.registrations_changed) instead of by a
listener on every statement: each write path calls it — checked in the source, so a new write
that does not fails here — and each known one drops every cache on its engine at once."""
from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

from adapter.persistence import platform_store
from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.lti_stores import SqlRegistrationStore
from adapter.services.platforms import PlatformSpec, register_platform, set_platform_active

ROOT = Path(__file__).resolve().parents[2]
_TABLES = {"platforms", "deployments"}
_WRITERS = {"insert", "update", "delete", "conflict_insert", "upsert", "upsert_if_changed"}
_SQL_WRITE = re.compile(
    r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+(platforms|deployments)\b", re.IGNORECASE)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _own_nodes(body: list[ast.stmt]):
    """The nodes of a body outside the functions and classes defined in it."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _writes(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and _name(node.func) in _WRITERS:  # insert(platforms), platforms.insert()
        return any(_name(arg) in _TABLES for arg in node.args) or (
            isinstance(node.func, ast.Attribute) and _name(node.func.value) in _TABLES)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(_SQL_WRITE.search(node.value))


def writers(source: str) -> dict[str, bool]:
    """Each function (and the module's own statements, as ``<module>``) that writes to the
    registration tables → whether it calls registrations_changed itself."""
    tree = ast.parse(source)
    scopes = [("<module>", tree.body)] + [(n.name, n.body) for n in ast.walk(tree)
                                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    found = {}
    for name, body in scopes:
        nodes = list(_own_nodes(body))
        if any(_writes(node) for node in nodes):
            found[name] = any(isinstance(node, ast.Call) and _name(node.func) == "registrations_changed"
                              for node in nodes)
    return found


@pytest.mark.parametrize("source, expected", [
    ("def f(conn):\n    conn.execute(insert(platforms).values(name='x'))\n", {"f": False}),
    ("def f(conn):\n    conn.execute(tables.deployments.delete())\n", {"f": False}),
    ("def f(conn):\n    conn.execute(delete(tables.deployments))\n", {"f": False}),
    ("def f(conn):\n    conn.execute(update(platforms))\n    registrations_changed(conn)\n", {"f": True}),
    ("def f(conn):\n    def g():\n        registrations_changed(conn)\n    conn.execute(update(platforms))\n",
     {"f": False}),
    ("def f(conn):\n    run(conn, 'update  Deployments set x = 1')\n", {"f": False}),
    ("_SQL = both('INSERT INTO platforms (id) VALUES (:id)')\n", {"<module>": False}),
    ("def f(conn):\n    conn.execute(insert(people))\n    run(conn, 'SELECT * FROM platforms')\n", {}),
])
def test_the_source_check_finds_writes_and_whether_they_drop_the_cache(source, expected):
    assert writers(source) == expected


def test_every_write_to_the_registration_tables_drops_the_cache():
    found = {}
    for path in sorted([*(ROOT / "adapter").rglob("*.py"), *(ROOT / "lti").rglob("*.py")]):
        if "migrations" not in path.parts:  # run before any cache exists
            found.update({f"{path.relative_to(ROOT)}:{name}": calls
                          for name, calls in writers(path.read_text()).items()})
    assert {"adapter/persistence/platform_store.py:" + name
            for name in ("add_deployment", "insert_platform", "set_active")} <= set(found)
    assert [where for where, calls in found.items() if not calls] == []


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'registrations.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def test_each_write_drops_every_cache_on_the_engine_at_once(engine):
    first, second = SqlRegistrationStore(engine, ttl=3600), SqlRegistrationStore(engine, ttl=3600)
    spec = PlatformSpec(issuer="https://lms.example.org", client_id="c", auth_login_url="https://lms.example.org/a",
                        key_set_url="https://lms.example.org/k", deployment_ids=("d1",))
    assert first.find_registration(spec.issuer, "c") is None and first.page_urls() == []  # nothing kept
    platform_id = register_platform(engine, spec)
    for store in (first, second):
        assert store.find_registration(spec.issuer, "c").deployment_ids == {"d1"}
    with engine.begin() as conn:
        platform_store.add_deployment(conn, platform_id, "d2", time.time())
    for store in (first, second):
        assert store.find_registration(spec.issuer, "c").deployment_ids == {"d1", "d2"}
        assert store.page_urls() == [spec.issuer, spec.auth_login_url]
    assert set_platform_active(engine, platform_id, False)
    for store in (first, second):
        assert store.find_registration(spec.issuer, "c").active is False and store.page_urls() == []
    del second  # a store that is gone is not told
    assert set_platform_active(engine, platform_id, True) and first.find_registration(spec.issuer, "c").active
