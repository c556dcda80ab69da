"""Operators' view: health probes, Prometheus metrics and JSON logs without secrets."""
from __future__ import annotations

import json
import logging
import time

from adapter.config import Settings
from adapter.logging_setup import REDACTIONS, JsonFormatter, LineHandler, info_line, redact, redact_every_log
from adapter.persistence.outbox_store import enqueue
from adapter.web import create_app
from tests.lti_launch.test_launch_rejections import unknown_kid
from tests.peers.lti_platform import browser, demo_platform_id, full_launch, post_launch, start_login


def test_healthz_and_readyz(peers):
    client = browser()
    assert client.get(peers.tool_url + "/healthz").json() == {"status": "ok"}
    ready = client.get(peers.tool_url + "/readyz")
    assert ready.status_code == 200 and ready.json()["migrations"] == "current"


def test_readyz_says_when_migrations_are_pending(tmp_path):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}), migrate=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and "coachbridge db upgrade" in response.get_json()["migrations"]


def test_readyz_when_the_database_is_unreachable(tmp_path):
    settings = Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path),
                                  "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"})
    response = create_app(settings, migrate=False).test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


def metric_value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name}{{{wanted}}} in metrics")


def test_metrics_count_launches_and_show_the_outbox(peers):
    client = browser()
    before = client.get(peers.tool_url + "/metrics").text
    ok_before = metric_value(before, "coachbridge_launches_total", outcome="ok") if 'outcome="ok"' in before else 0
    full_launch(peers, "learner-ana")
    login = start_login(peers)
    post_launch(peers, login, unknown_kid(peers, peers.lms.launch_claims("learner-ana", "rl-feedback", login.nonce)))
    with peers.engine.begin() as conn:
        enqueue(conn, "xapi", "metrics-test-lrs", f"m-{time.time()}", {"id": "x"}, time.time() - 30)
    page = client.get(peers.tool_url + "/metrics")
    assert page.headers["Content-Type"].startswith("text/plain")
    assert metric_value(page.text, "coachbridge_launches_total", outcome="ok") >= ok_before + 1
    assert metric_value(page.text, "coachbridge_launches_total", outcome="kid_unknown") >= 1
    assert metric_value(page.text, "coachbridge_outbox_pending", channel="xapi", target="metrics-test-lrs") >= 1
    assert metric_value(page.text, "coachbridge_outbox_oldest_pending_seconds", channel="xapi",
                        target="metrics-test-lrs") >= 29


def test_request_log_lines_are_json_with_request_id_and_no_secrets(peers, caplog):
    caplog.set_level(logging.INFO, logger="coachbridge.requests")
    client = browser()
    response = client.get(peers.tool_url + "/admin/sign-in/secret-token-value")
    assert response.headers["X-Request-Id"]
    formatted = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "coachbridge.requests"]
    line = next(entry for entry in formatted if entry["request_id"] == response.headers["X-Request-Id"])
    assert line["path"] == "/admin/sign-in/[redacted]" and line["status"] == 403
    assert "secret-token-value" not in json.dumps(formatted)


def test_redaction_of_secrets_in_any_message():
    message = ("POST id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl&state=abc123 "
               "Authorization: Bearer tok.en-value password: hunter2 "
               "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----")
    cleaned = redact(message)
    for secret in ("eyJhbGciOiJSUzI1NiJ9", "abc123", "tok.en-value", "hunter2", "MIIE"):
        assert secret not in cleaned
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "client_secret=s3cr3t", None, None)
    assert "s3cr3t" not in JsonFormatter().format(record)


def test_metrics_time_lms_calls(peers):
    """Calls to the LMS's services are timed."""
    from adapter.services.lms_services import LmsAccess
    from lti import claims as c
    from lti.ags import AgsClient, AgsEndpoint

    parts = peers.app.extensions["coachbridge"]
    access = LmsAccess(parts.engine, parts.tool_keys, allow_private_addresses=True)
    AgsClient(access.token_client(demo_platform_id(peers)),
              AgsEndpoint(scopes=frozenset({c.AGS_SCOPE_LINEITEM}), lineitems=peers.lms_url + "/ags/lineitems")
              ).list_line_items()
    text = browser().get(peers.tool_url + "/metrics").text
    assert metric_value(text, "coachbridge_peer_request_seconds_count", peer="lms") >= 1


def test_log_lines_from_many_threads_arrive_whole_through_a_pipe():
    """Lines are formatted outside the handler's lock and written under it: from eight threads
    at once, every line arrives whole, short or longer than a pipe takes in one write, with or
    without a record."""
    import os
    import threading


    read_end, write_end = os.pipe()
    stream = os.fdopen(write_end, "w")
    handler = LineHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("coachbridge.test-lines")
    logger.propagate, logger.handlers = False, [handler]
    logger.setLevel(logging.INFO)
    collected = bytearray()

    def drain() -> None:
        while chunk := os.read(read_end, 65536):
            collected.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()

    def write(n: int) -> None:
        for i in range(200):
            path = f"/lti/launch/{n}/{i}" + ("/long" * 1500 if i % 50 == 0 else "")  # some lines over PIPE_BUF
            fields = {"request_id": f"{n}-{i}", "method": "POST", "path": path, "status": 200, "duration_ms": 1.5}
            if n % 2:  # half the threads as a request's line is written, without a record
                info_line(logger, "request", fields)
            else:
                logger.info("request", extra=fields)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stream.close()
    reader.join()
    os.close(read_end)
    lines = [json.loads(line) for line in collected.decode().splitlines()]
    assert sorted(entry["request_id"] for entry in lines) == sorted(f"{n}-{i}" for n in range(8) for i in range(200))
    assert {entry["path"] for entry in lines if entry["request_id"] == "3-50"} == {"/lti/launch/3/50" + "/long" * 1500}


def test_log_lines_to_a_stream_without_a_file_descriptor():
    """A test's captured stream (no file descriptor) gets the same scrubbed lines."""
    import io


    stream = io.StringIO()
    handler = LineHandler(stream)
    handler.setFormatter(JsonFormatter())
    record = logging.LogRecord("coachbridge.requests", logging.INFO, __file__, 1, "request", None, None)
    record.path = "/admin/sign-in/secret-token-value"
    handler.handle(record)
    assert json.loads(stream.getvalue())["path"] == "/admin/sign-in/[redacted]"


def test_log_line_time_is_the_records_own_across_seconds():
    """Lines of one second share its date text; a line of the next second (or an earlier one) gets its own."""
    formatter = JsonFormatter()
    for created in (1764888000.25, 1764888000.999, 1764888001.0, 1764887999.5, 1796424000.75):
        record = logging.LogRecord("coachbridge.requests", logging.INFO, __file__, 1, "request", None, None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(record.msecs):03d}Z"
        assert json.loads(formatter.format(record))["ts"] == expected


def json_logger(name: str):
    """A logger whose only way out is the JSON line handler, as configure_logging sets the root up."""
    import io

    stream = io.StringIO()
    handler = LineHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.propagate, logger.handlers = False, [handler]
    logger.setLevel(logging.INFO)
    return logger, stream


REQUEST_FIELDS = [
    {"request_id": "0123456789abcdef0123456789abcdef", "method": "POST", "path": "/lti/launch", "status": 200,
     "duration_ms": 12.3},
    {"request_id": "r-1", "method": "GET", "path": "/admin/sign-in/secret-token-value", "status": 403,
     "duration_ms": 0.0},
    {"duration_ms": 1.0, "status": 404, "path": "/x/password=hunter2/eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2ln",
     "method": "GET", "request_id": "Bearer abc.def-123"},
    {"request_id": "r-2", "path": "/caf\u00e9/\"quoted\"\\"},
]


def test_a_request_line_without_a_record_is_the_records_line_byte_for_byte(monkeypatch):
    redact_every_log()  # as every entry point has it
    logger, stream = json_logger("coachbridge.test-direct")
    records = []
    monkeypatch.setattr(logger, "makeRecord", lambda *args, **kw: records.append(args) or logging.Logger.makeRecord(
        logger, *args, **kw))
    for n, fields in enumerate(REQUEST_FIELDS):
        monkeypatch.setattr(time, "time", lambda n=n: 1764896400.0 + n * 1.0137)  # the record's clock too
        for message in ("request", "state=s3cr3t-state"):
            stream.seek(0), stream.truncate()
            info_line(logger, message, fields)
            direct = stream.getvalue()
            stream.seek(0), stream.truncate()
            logger.info(message, extra=fields)
            assert direct == stream.getvalue() and direct.endswith("}\n")
            assert not {"secret-token-value", "hunter2", "abc.def-123", "s3cr3t", "eyJzdWIiOiJhYmMifQ"} & set(
                direct.replace('"', " ").replace("/", " ").split())
    assert len(records) == 2 * len(REQUEST_FIELDS)  # logger.info's only: the direct lines made none


def test_request_lines_take_a_record_when_anything_else_would_see_it(caplog):
    logger, stream = json_logger("coachbridge.test-fallback")
    fields = REQUEST_FIELDS[1]
    logger.setLevel(logging.WARNING)  # above INFO: nothing at all
    info_line(logger, "request", fields)
    logger.setLevel(logging.INFO)
    logger.addFilter(lambda record: record.status != 403)  # a filter sees every record, and keeps its say
    info_line(logger, "request", fields)
    assert stream.getvalue() == ""
    logger.filters.clear()
    logger.propagate = True  # now the test's capture (a second handler, on the root) takes it too
    with caplog.at_level(logging.INFO, logger="coachbridge.test-fallback"):
        info_line(logger, "request", fields)
    assert [record.path for record in caplog.records] == ["/admin/sign-in/secret-token-value"]
    assert json.loads(stream.getvalue())["path"] == "/admin/sign-in/[redacted]"


def test_redaction_skips_only_what_cannot_match():
    """A text without "=" or ":" is not searched for a secret's name and value, one of letters and
    digits alone not at all: the same result as every pattern applied."""
    texts = ["/lti/launch", "Bearer abc.def-123", "basic\tdXNlcjpwYXNz", "id_token=eyJhbGciOiJSUzI1NiJ9.x",
             "password : hunter2", "PASSWORD=hunter2", "nonce:'n-1'", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2ln",
             "/calendar/Zx9_feed-Token1.ics", "/unsubscribe/reminders/Un5ub-Token2", "/lti/register/inv-42",
             "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "state", "cb_s = x",
             "Bearer\u00a0abc", "Basic\u2003abc", "eyJhbGciOiJSUzI1NiJ9\u2024eyJzdWIiOiJhYmMifQ.c2ln"]
    alphanumeric = ["request", "0123456789abcdef0123456789abcdef", "GET", "BearerAbc", "passwordhunter2", "caf\u00e9",
                    "eyJhbGciOiJSUzI1NiJ9eyJzdWIiOiJhYmMifQ", "\u00b2\u0661"]
    for text in alphanumeric:
        assert text.isalnum() and all(pattern.sub(replacement, text) == text for pattern, replacement in REDACTIONS)
    for text in texts + alphanumeric:
        expected = text
        for pattern, replacement in REDACTIONS:
            expected = pattern.sub(replacement, expected)
        assert redact(text) == expected
    assert sum(redact(text) != text for text in texts) == len(texts) - 3  # all but "/lti/launch", "state", U+2024


def test_a_line_with_every_field_is_what_the_json_encoder_writes():
    """Lines with all five fields are written from a format made once; every other value type
    (a bool, a non-finite or whole-number duration, a missing field, an error) takes the encoder."""
    from adapter.logging_setup import _encode, _line, _timestamp

    texts = ["request", "POST", "/lti/launch", "0123456789abcdef0123456789abcdef", "caf\u00e9 \"q\" \\ \n\t\x00\u2028",
             "\U0001f642", "", "password=hunter2", "Bearer abc.def-123", "/admin/sign-in/secret-token-value"]
    cases = 0
    for n, text in enumerate(texts):
        for status in (200, 302, 0, -7, 10 ** 20, True):
            for duration in (0.0, -0.0, 3.2, 1e300, 1e-7, 12.345678, float("inf"), float("nan"), 5):
                fields = {"request_id": texts[n - 1], "method": text, "path": texts[n - 2], "status": status,
                          "duration_ms": duration}
                for error in (None, "Traceback: state=abc"):
                    created = 1764896400.0 + n * 1.37
                    expected = {"ts": _timestamp(created, 370.0), "level": "info", "logger": "coachbridge.requests",
                                "message": redact(text), **{k: redact(v) if isinstance(v, str) else v
                                                            for k, v in fields.items()}}
                    if error:
                        expected["error"] = redact(error)
                    line = _line(created, 370.0, "INFO", "coachbridge.requests", text, fields, error)
                    assert line == _encode(expected)
                    cases += 1
    assert cases == len(texts) * 6 * 9 * 2


def test_a_request_id_is_taken_from_a_trusted_proxy_only(tmp_path):
    """Behind no trusted proxy a sent X-Request-Id is the client's text and is not kept; behind
    one, a printable id of at most 64 characters is (the proxy sets it); anything else is replaced."""
    sent = ["proxy-id-1", "x" * 64, "x" * 65, "tab\there", ""]
    for proxies, kept in (("0", [False] * 5), ("1", [True, True, False, False, False])):
        app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path / proxies),
                                            "COACHBRIDGE_TRUSTED_PROXIES": proxies}))
        client = app.test_client()
        for text, keep in zip(sent, kept):
            answered = client.get("/healthz", headers={"X-Request-Id": text}).headers["X-Request-Id"]
            assert (answered == text) == keep, (proxies, text)
            assert keep or (len(answered) == 32 and int(answered, 16) >= 0)


def test_answers_refused_before_their_view_get_every_after_request_rule_in_order(peers, caplog):
    """The rules run as one hook each way (adapter/web/request_hooks.py), in the order Flask ran them
    as separate hooks: a request refused before its view (a NUL, no CSRF token) or by no route still
    gets the policy, the strict headers and its request id, in that order, and its log line — with
    its id and duration, a NUL's refusal too (its id was made after the check, so it had none)."""
    caplog.set_level(logging.INFO, logger="coachbridge.requests")
    client = browser()
    rules_headers = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control",
                     "X-Request-Id"]
    answers = [(200, client.get(peers.tool_url + "/")), (400, client.get(peers.tool_url + "/", params={"q": "a\x00"})),
               (403, client.post(peers.tool_url + "/sign-out")), (404, client.get(peers.tool_url + "/no-such-page")),
               (200, client.get(peers.tool_url + "/healthz"))]
    logged = [(r.request_id, r.status) for r in caplog.records if r.name == "coachbridge.requests"]
    durations = [r.duration_ms for r in caplog.records if r.name == "coachbridge.requests"]
    assert len(durations) == len(answers) and all(0 <= duration < 60_000 for duration in durations), durations
    for status, response in answers:
        assert response.status_code == status
        assert len(response.headers["X-Request-Id"]) == 32, status
        assert [name for name in response.raw.headers if name in rules_headers] == rules_headers, status
        assert (response.headers["X-Request-Id"], status) in logged
    assert "form-action 'self'" in answers[0][1].headers["Content-Security-Policy"]
    assert answers[-1][1].headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_request_ids_are_uuid4_hex_and_each_forked_worker_has_its_own():
    """health.request_id_of writes 128 random bits as ``uuid.UUID(int=…, version=4).hex`` does; the
    generator is seeded again in a forked worker, whose ids are not its parent's."""
    import os
    import random
    import uuid

    from adapter.web import health

    for bits in [0, 2 ** 128 - 1, *(random.getrandbits(128) for _ in range(2000))]:
        assert health.request_id_of(bits) == uuid.UUID(int=bits, version=4).hex
    state = health._ids.getstate()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the forked worker
        os.write(writing, str(health._ids.getrandbits(128)).encode())
        os._exit(0)
    os.waitpid(child, 0)
    os.close(writing)
    forked = int(os.read(reading, 100))
    os.close(reading)
    assert health._ids.getstate() == state and forked != health._ids.getrandbits(128)
