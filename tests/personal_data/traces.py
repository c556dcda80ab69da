"""Where a person could still be found: the database's bytes (SQLite file and its WAL) or
every PostgreSQL table's rows as text, and what an LRS keeps live."""
from __future__ import annotations

import uuid
from pathlib import Path

import requests
from sqlalchemy import text, update

from adapter.persistence.tables import metadata, people


def make_distinct(world, who: str) -> dict[str, str]:
    """Give the world's learner or manager a name, email and LMS user id found nowhere
    else (world's own are numbered, so "learner-1" is inside "learner-12")."""
    tag = uuid.uuid4().hex[:12]
    identity = {"sub": f"u-{tag}", "name": f"Person {tag}", "email": f"p{tag}@example.org"}
    person_id = world.learner_id if who == "learner" else world.manager_id
    with world.engine.begin() as conn:
        conn.execute(update(people).where(people.c.id == person_id).values(**identity))
    setattr(world, f"{who}_sub", identity["sub"])
    return identity


def found_in_database(engine, needles: list[str]) -> list[str]:
    """The needles still present anywhere in the database."""
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database)
        data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        return [n for n in needles if n.encode() in data]
    with engine.connect() as conn:
        rows = "\n".join(value for table in metadata.sorted_tables
                         for value in conn.execute(text(f'SELECT CAST(t AS text) FROM "{table.name}" t')).scalars())
    return [n for n in needles if n in rows]


VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def _stored(ralph) -> list[dict]:
    response = requests.get(ralph.endpoint + "statements", params={"limit": 1000}, auth=ralph.auth,
                            headers={"X-Experience-API-Version": "1.0.3"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["statements"]


def voided_at(ralph) -> set[str]:
    """The ids ralph holds a voiding statement for."""
    return {s["object"]["id"] for s in _stored(ralph) if s["verb"]["id"] == VOIDED}


def live_statements(ralph) -> list[dict]:
    """What the LRS keeps live: every statement no voiding statement names (the voiding
    statements included; ralph lists voided statements too, so they are left out here)."""
    stored = _stored(ralph)
    voided = {s["object"]["id"] for s in stored if s["verb"]["id"] == VOIDED}
    return [s for s in stored if s["id"] not in voided]
