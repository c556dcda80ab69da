"""``coachbridge demo`` seeds records once, through the service layer."""
from __future__ import annotations

from sqlalchemy import func, select

from adapter.config import Settings
from adapter.demo.run import register_demo_lms
from adapter.demo.lms import DemoLMS
from adapter.demo.seed import seed_demo_records
from adapter.persistence.coaching_tables import agreed_actions, audit_events, manager_nominations, validation_requests
from adapter.persistence.tables import manager_links, people
from adapter.web import create_app


def test_seed_writes_records_once(tmp_path):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))
    parts = app.extensions["coachbridge"]
    lms = DemoLMS(lms_url="http://127.0.0.1:9", tool_url="http://localhost:9")
    platform_id = register_demo_lms(app, lms)
    first = seed_demo_records(parts.engine, platform_id, lms, parts.role_map)
    again = seed_demo_records(parts.engine, platform_id, lms, parts.role_map)
    assert (first, again) == (True, False)
    with parts.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(validation_requests)
                            .where(validation_requests.c.status == "pending")).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(agreed_actions)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(audit_events)).scalar_one() == 6
        # The course without a Mentor role: an imported pair and a nomination waiting for Omar.
        sources = conn.execute(select(manager_links.c.source).join(people, people.c.id == manager_links.c.manager_id)
                               .where(people.c.sub == "manager-omar")).scalars().all()
        assert sources == ["import"]
        assert conn.execute(select(manager_nominations.c.status)).scalars().all() == ["pending"]
