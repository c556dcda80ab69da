"""Run in separate processes by the tests: each posts scores through its own
ServiceTokenClient, sharing only the database token cache with the others."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from adapter.persistence.database import make_engine
from adapter.persistence.key_store import ToolKeyStore
from adapter.services.lms_services import LmsAccess
from lti.ags import AgsClient, AgsEndpoint, validated_score
from lti import claims as c


def post_scores(database_url: str, platform_id: int, lineitems_url: str, lineitem_url: str, worker: int,
                count: int) -> int:
    engine = make_engine(database_url)
    access = LmsAccess(engine, ToolKeyStore(engine), allow_private_addresses=True)
    endpoint = AgsEndpoint(scopes=frozenset({c.AGS_SCOPE_SCORE, c.AGS_SCOPE_LINEITEM}), lineitems=lineitems_url,
                           lineitem=lineitem_url)
    client = AgsClient(access.token_client(platform_id), endpoint)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(count):
        client.post_score(validated_score(f"worker-{worker}-user-{n % 10}", start + timedelta(milliseconds=n),
                                          1.0, 1.0, "validated"))
    engine.dispose()
    return count


