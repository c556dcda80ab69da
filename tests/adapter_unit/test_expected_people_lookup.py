"""The launch's question "is an expected person waiting for this launch?" (launch_reads and
match_expected) gives what the single condition with an OR it replaced gave, for every way of
matching, and each way is an index lookup on SQLite and on PostgreSQL: with the OR, a platform's
thousands of waiting people were read on every launch."""
from __future__ import annotations

import itertools
import re
import time

import pytest

from adapter.persistence import driver_sql
from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.expected_people_store import PLACEHOLDER_SUB, _WAITING, expect_person, match_expected
from adapter.persistence.launch_reads import _KNOWN_NO_PLACEMENT, known_for_launch
from adapter.services.platforms import PlatformSpec, register_platform

# The condition before: the reference the two lookups must agree with.
_OR_FROM = (
    " FROM expected_people JOIN people ON people.id = expected_people.person_id"
    " WHERE expected_people.platform_id = :platform_id AND expected_people.matched_at IS NULL"
    " AND (people.sub = :sub OR (lower(expected_people.email) = :email AND expected_people.user_id = ''"
    f" AND substr(people.sub, 1, {len(PLACEHOLDER_SUB)}) = '{PLACEHOLDER_SUB}'))")
_OR_ROWS = driver_sql.both("SELECT expected_people.person_id, expected_people.source, people.sub = :sub" + _OR_FROM)
_OR_EXISTS = driver_sql.both("SELECT EXISTS (SELECT 1" + _OR_FROM + ")")


def _platform(engine, name: str) -> int:
    return register_platform(engine, PlatformSpec(
        issuer=f"https://{name}.example", client_id="tool", auth_login_url=f"https://{name}.example/auth",
        key_set_url=f"https://{name}.example/jwks", deployment_ids=("d1",)))


@pytest.fixture
def engine(database_url):
    """A migrated database with two platforms (``platforms``)."""
    engine = make_engine(database_url)
    upgrade(engine)
    engine.platforms = _platform(engine, "lms-a"), _platform(engine, "lms-b")
    yield engine
    engine.dispose()


@pytest.fixture
def platforms(engine):
    """On the first platform, many people wait who never launch, and one of each kind that
    the cases launch as; on the second, people with the same ids and emails."""
    a, b = engine.platforms
    now = time.time()
    with engine.begin() as conn:
        for n in range(200):
            expect_person(conn, a, source="import", now=now, email=f"waiting{n}@example.org",
                          **({"user_id": f"waiting-{n}"} if n % 2 else {}))
        expect_person(conn, a, source="import", now=now, user_id="by-id")
        expect_person(conn, a, source="import", now=now, email="Mixed.Case@Example.org")
        expect_person(conn, a, source="provisioning", now=now, user_id="by-both", email="both@example.org")
        expect_person(conn, a, source="import", now=now, user_id="id-and-mail")  # and a placeholder's email:
        expect_person(conn, a, source="import", now=now, email="id-and-mail@example.org")
        for shared in ("Shared@example.org", "shared@example.org"):  # two placeholders, one email
            expect_person(conn, a, source="import", now=now, email=shared)
        expect_person(conn, b, source="import", now=now, user_id="elsewhere")
        expect_person(conn, b, source="import", now=now, email="elsewhere@example.org")
    return a, b


SUBS = ["by-id", "by-both", "id-and-mail", "someone", "elsewhere", "waiting-1", "waiting-0"]
EMAILS = ["", "mixed.case@example.org", "MIXED.CASE@example.ORG ", "both@example.org", "id-and-mail@example.org",
          "shared@example.org", "elsewhere@example.org", "waiting0@example.org", "waiting1@example.org",
          "nobody@example.org"]


def test_every_way_of_matching_answers_as_the_single_condition_did(engine, platforms):
    cases = 0
    with engine.connect() as conn:
        for platform_id, sub, email in itertools.product(platforms, SUBS, EMAILS):
            params = {"platform_id": platform_id, "sub": sub, "email": email.strip().lower() or None}
            before = sorted(tuple(row) for row in driver_sql.run(conn, _OR_ROWS, params))
            assert sorted(tuple(row) for row in driver_sql.run(conn, _WAITING, params)) == before
            [[waiting]] = driver_sql.run(conn, _OR_EXISTS, params)
            known = known_for_launch(conn, platform_id, "d1", None, None, sub, email, {})
            assert known.person_expected == bool(waiting) == bool(before)
            cases += bool(before)
    assert cases > 10  # the matrix has matches, not only misses


def test_each_kind_is_matched_once_and_nobody_else(engine, platforms):
    a, b = platforms
    with engine.begin() as conn:
        now = time.time()
        assert match_expected(conn, a, "by-id", "", now).by == "sub"
        assert match_expected(conn, a, "mixed-sub", "MIXED.case@example.org", now).by == "email"
        assert match_expected(conn, a, "by-both", "both@example.org", now).by == "sub"
        assert match_expected(conn, a, "someone", "nobody@example.org", now) is None
        assert match_expected(conn, a, "elsewhere", "elsewhere@example.org", now) is None  # b's people
        assert match_expected(conn, a, "shared-sub", "shared@example.org", now) is None  # no guessing
        for sub, email in (("by-id", ""), ("mixed-sub", "mixed.case@example.org"), ("by-both", "")):
            assert not known_for_launch(conn, a, "d1", None, None, sub, email, {}).person_expected
        assert known_for_launch(conn, b, "d1", None, None, "elsewhere", "", {}).person_expected


def _plan(conn, sql: dict[str, str], params: dict) -> str:
    cursor = conn.connection.driver_connection.cursor()
    if conn.dialect.name == "sqlite":
        return "\n".join(row[-1] for row in cursor.execute("EXPLAIN QUERY PLAN " + sql["sqlite"], params))
    # A test database's tables are tiny: PostgreSQL would read them whole whatever the indexes.
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute("EXPLAIN " + sql["postgresql"], params)
    return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("sql", [_KNOWN_NO_PLACEMENT, _WAITING], ids=["launch read", "match_expected"])
def test_each_way_of_matching_is_an_index_lookup(engine, platforms, sql):
    params = {"platform_id": platforms[0], "deployment_id": "d1", "context_id": None, "resource_link_id": None,
              "sub": "someone", "email": "nobody@example.org", "placement": None}
    with engine.begin() as conn:
        plan = _plan(conn, sql, params)
    if engine.dialect.name == "sqlite":
        assert "SCAN expected_people" not in plan and "SCAN people" not in plan, plan
        assert "expected_people USING INDEX ix_expected_people_lower_email (platform_id=? AND <expr>=?)" in plan, plan
        assert "people USING COVERING INDEX sqlite_autoindex_people_1 (platform_id=? AND sub=?)" in plan, plan
        assert "expected_people USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    else:
        assert "Seq Scan" not in plan, plan
        uses = {index: [line for line in plan.splitlines() if re.search(rf"(using|Index Scan on) {index} ", line)]
                for index in ("ix_expected_people_lower_email", "uq_people_platform_sub", "pk_expected_people")}
        assert all(uses.values()), plan
        conditions = "\n".join(line for line in plan.splitlines() if "Index Cond:" in line)
        assert "(lower((email)::text) = 'nobody@example.org'::text)" in conditions, plan
        assert "((sub)::text = 'someone'::text)" in conditions, plan
