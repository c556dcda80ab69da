"""5,000 statements through the delivery loop into an LRS stand-in that goes down,
answers 500/503/429, refuses batches above 40 (413), hangs past the read timeout, drops
connections after storing, and holds a differing statement for one id (409). After
recovery every statement is in the LRS exactly once, as sent, and none is lost.

(The worker killed with SIGKILL mid-batch needs the database outbox: that test belongs
to the integration with adapter/.)"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from xapi.agents import PrivacySettings
from xapi.backoff import RetryPolicy
from xapi.delivery import Deliverer
from xapi.lrs_sender import LrsSender
from xapi.events import EventKind
from xapi.lrs_client import LrsClient, LrsConfig
from xapi.statements import BuildSettings, build_statements
from .xapi_fault_lrs import Fault
from .xapi_memory_outbox import MemoryOutbox
from .xapi_samples import sample_event

COUNT = 5000
KINDS = [kind for kind in EventKind if kind is not EventKind.RECORD_WITHDRAWN]


def many_statements(mapping, count):
    settings = BuildSettings("https://coach.acme.org/xapi/activities", privacy=PrivacySettings(share_free_text=True))
    return [
        build_statements(sample_event(KINDS[i % len(KINDS)], record_id=f"fault-{i}"), settings, mapping)[0]
        for i in range(count)
    ]


def test_5000_statements_survive_every_fault(fault_lrs, mapping):
    statements = many_statements(mapping, COUNT)
    outbox = MemoryOutbox()
    for statement in statements:
        outbox.add("faulty", statement["id"], json.dumps(statement, separators=(",", ":")))
    conflicting = statements[1234]
    fault_lrs.preload({**conflicting, "timestamp": "2020-01-01T00:00:00.000Z"})
    fault_lrs.max_batch = 40
    fault_lrs.inject(
        Fault(status=500), Fault(), Fault(status=503), Fault(), Fault(),
        Fault(status=429, retry_after="1"), Fault(), Fault(hang=0.6), Fault(), Fault(disconnect=True),
        Fault(), Fault(status=502), Fault(status=503), Fault(status=500), Fault(),
    )
    config = LrsConfig(
        name="faulty", endpoint=fault_lrs.endpoint, batch_size=100, connect_timeout=0.5, read_timeout=0.3
    )
    deliverer = Deliverer(outbox, LrsSender(LrsClient(config)), RetryPolicy(base=0.005, cap=0.05, max_retry_after=1))

    down_rounds = None  # None: not gone down yet; then refused rounds counted while down
    reasons = set()
    while outbox.counts()["pending"]:
        report = deliverer.deliver_batch()
        if down_rounds is None and outbox.counts()["delivered"] >= COUNT // 2:
            fault_lrs.go_down()
            down_rounds = 0
        if report.paused_until is not None:
            reasons.update(row.reason.split(":")[0] for row in outbox.by_state("pending") if row.reason)
            if down_rounds is not None and not fault_lrs.is_up:
                down_rounds += 1
                if down_rounds == 5:
                    fault_lrs.come_up()
            time.sleep(max(0.0, (report.paused_until - datetime.now(timezone.utc)).total_seconds()))

    assert outbox.held() == []
    assert outbox.counts() == {"delivered": COUNT - 1, "dead": 1}
    (dead,) = outbox.by_state("dead")
    assert dead.statement_id == conflicting["id"] and dead.reason.startswith("409 conflict")
    # in the LRS: every statement once, as sent (the conflicting id keeps what was there)
    assert set(fault_lrs.statements) == {s["id"] for s in statements}
    assert all(fault_lrs.statements[s["id"]] == s for s in statements if s is not conflicting)
    # every fault happened: injected ones consumed, the outage, the 413s, re-sends of stored ones
    assert fault_lrs.pending_faults() == 0 and down_rounds == 5
    assert deliverer.batch_limit <= 40
    assert fault_lrs.resent_known > 0
    # timeout, dropped connection and refused connection, as urllib3 names them
    assert {"LRS answered 500", "LRS answered 503", "LRS answered 429", "ReadTimeoutError", "ProtocolError",
            "NewConnectionError"} <= reasons
