"""One contestant posting the benchmark's scores, in a process of its own (so its CPU is
its own). Prints one JSON line: posts, wall seconds and CPU seconds of the timed part.

    python bench/ags/contestants.py NAME CONFIG.json RUN_NUMBER

NAME is one of:
  coachbridge-direct   AgsClient.post_score × N, ServiceTokenClient + SqlTokenCache
                       (the database token cache emptied first: a cold start, counted)
  coachbridge-outbox   N validation events through the ``enqueue_scores`` handler (one
                       transaction each, as records are written), then
                       ScoreDeliveryJob.run_once() until the outbox is drained; timed: the drain
  pylti1p3-request     pylti1p3's docs way: per post, one tool request restoring the launch
                       from the cache → get_ags() → put_grade(grade, tag-only LineItem)
  pylti1p3-held        one restored launch and AGS object for all posts, the line item
                       looked up once (its best case; not possible across web requests)
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from adapter.config import Settings  # noqa: E402
from adapter.persistence.database import make_engine  # noqa: E402
from adapter.persistence.key_store import ToolKeyStore  # noqa: E402
from adapter.persistence.tables import outbox, service_tokens  # noqa: E402
from adapter.services.lms_services import LmsAccess  # noqa: E402
from adapter.bootstrap import key_cipher  # noqa: E402
from lti import claims as c  # noqa: E402
from lti.ags import AgsClient, AgsEndpoint, rfc3339_millis, validated_score  # noqa: E402


def timestamps(run: int, count: int) -> list[datetime]:
    """Strictly increasing per run and across runs (the LMS refuses older scores)."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=run)
    return [start + timedelta(milliseconds=n) for n in range(count)]


def coachbridge_parts(cfg):
    settings = Settings.from_env({"COACHBRIDGE_INSTANCE": cfg["instance"]})
    engine = make_engine(settings.database_url)
    cipher = key_cipher(settings)
    return engine, LmsAccess(engine, ToolKeyStore(engine, cipher), cipher, allow_private_addresses=True)


def coachbridge_direct(cfg, run: int) -> dict:
    engine, access = coachbridge_parts(cfg)
    with engine.begin() as conn:
        conn.execute(service_tokens.delete())
    endpoint = AgsEndpoint(scopes=frozenset({c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_LINEITEM_READONLY, c.AGS_SCOPE_SCORE}),
                           lineitems=cfg["lineitems_url"], lineitem=cfg["lineitem_url"])
    stamps = timestamps(run, cfg["posts"])
    cpu, wall = time.process_time(), time.perf_counter()
    client = AgsClient(access.token_client(cfg["platform_id"]), endpoint)
    for at in stamps:
        client.post_score(validated_score(cfg["user_id"], at, 1.0, 1.0, "Application validated"),
                          lineitem_url=cfg["lineitem_url"])
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "posts": len(stamps)}


def coachbridge_outbox(cfg, run: int) -> dict:
    from sqlalchemy import func, select

    from adapter.domain.events import RecordEvent
    from adapter.services.gradebook import ScoreDeliveryJob, enqueue_scores
    from xapi.events import EventKind

    engine, access = coachbridge_parts(cfg)
    with engine.begin() as conn:
        conn.execute(service_tokens.delete())
    stamps = timestamps(run, cfg["posts"])
    cpu, wall = time.process_time(), time.perf_counter()
    for n, at in enumerate(stamps):
        event = RecordEvent(
            kind=EventKind.APPLICATION_VALIDATED.value, record_type="validation", record_id=run * 100_000 + n, record_version=1, occurred_at=at,
            actor_id=cfg["learner_pk"], learner_id=cfg["learner_pk"], manager_id=None,
            platform_id=cfg["platform_id"], context_pk=cfg["context_pk"], resource_link_pk=cfg["resource_link_pk"],
            activity_iri=None, shared_fields={"feedback": "Application validated"})
        with engine.begin() as conn:
            enqueue_scores(conn, [event])
    enqueue_wall, enqueue_cpu = time.perf_counter() - wall, time.process_time() - cpu
    with engine.connect() as conn:
        pending = conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.channel == "ags", outbox.c.status == "pending")).scalar()
    cpu, wall = time.process_time(), time.perf_counter()
    job = ScoreDeliveryJob(access)
    settled = 0
    while True:
        done = job.run_once()
        if not done:
            break
        settled += done
    drain_wall, drain_cpu = time.perf_counter() - wall, time.process_time() - cpu
    with engine.connect() as conn:
        by_status = dict(conn.execute(select(outbox.c.status, func.count()).where(outbox.c.channel == "ags")
                                      .group_by(outbox.c.status)).all())
    return {"wall": drain_wall, "cpu": drain_cpu, "posts": settled, "enqueued": pending,
            "enqueue_wall": enqueue_wall, "enqueue_cpu": enqueue_cpu, "outbox": by_status}


def pylti_request(cfg, run: int) -> dict:
    from pylti_glue import PyltiTool

    tool = PyltiTool(Path(cfg["pylti_config"]), cfg["redis_url"])
    stamps = [rfc3339_millis(at) for at in timestamps(run, cfg["posts"])]
    cpu, wall = time.process_time(), time.perf_counter()
    for stamp in stamps:
        tool.score_request(cfg["pylti_launch_id"], cfg["user_id"], stamp, cfg["line_item_tag"])
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "posts": len(stamps)}


def pylti_held(cfg, run: int) -> dict:
    from pylti1p3.lineitem import LineItem
    from pylti_glue import PyltiTool, held_grade

    tool = PyltiTool(Path(cfg["pylti_config"]), cfg["redis_url"])
    stamps = [rfc3339_millis(at) for at in timestamps(run, cfg["posts"])]
    cpu, wall = time.process_time(), time.perf_counter()
    ags = tool.held_launch(cfg["pylti_launch_id"])
    line_item = ags.find_or_create_lineitem(
        LineItem().set_tag(cfg["line_item_tag"]).set_score_maximum(1.0).set_label("Validation of applied learning"))
    for stamp in stamps:
        held_grade(ags, line_item, cfg["user_id"], stamp)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "posts": len(stamps)}


CONTESTANTS = {"coachbridge-direct": coachbridge_direct, "coachbridge-outbox": coachbridge_outbox,
               "pylti1p3-request": pylti_request, "pylti1p3-held": pylti_held}


if __name__ == "__main__":
    name, config_path, run = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cfg = json.loads(Path(config_path).read_text())
    print(json.dumps(CONTESTANTS[name](cfg, run)), flush=True)
