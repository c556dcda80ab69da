"""A fast local LRS stand-in for throughput figures: a bare ASGI app (served by uvicorn)
that does the least an LRS must: parse the statements, remember their ids, answer the
new ids (200) or nothing new (204). Only ids are kept: holding every parsed statement
would grow the heap run after run and make the garbage collector's pauses, not the
client, decide the figures. POST batches and PUT ?statementId= (what TinCanPython
uses for one statement with an id). ``GET /stats`` tells how many it holds.

``FAST_LRS_DELAY`` (seconds): each POST of statements is answered that long after it
arrived, without using the CPU meanwhile — an LRS on a machine of its own, whose time a
batch is spent away from the client's cores (ralph, the real LRS of the tests, takes
~30 ms a batch of 100 on this machine: bench/xapi/HISTORY.md)."""

from __future__ import annotations

import asyncio
import json
import os
from urllib.parse import parse_qs

STORE: set[str] = set()
DELAY = float(os.environ.get("FAST_LRS_DELAY") or 0)
# Served by several processes (FAST_LRS_COUNTS: a directory), each keeps its own ids and
# writes how many into a file of its own there; /stats answers the sum.
COUNTS = os.environ.get("FAST_LRS_COUNTS")
_COUNT_FILE = os.open(os.path.join(COUNTS, str(os.getpid())), os.O_CREAT | os.O_WRONLY, 0o600) if COUNTS else None


def _stored() -> int:
    if _COUNT_FILE is None:
        return len(STORE)
    os.pwrite(_COUNT_FILE, b"%12d" % len(STORE), 0)
    return sum(int(open(os.path.join(COUNTS, name)).read() or 0) for name in os.listdir(COUNTS))


def _keep(ids) -> None:
    STORE.update(ids)
    if _COUNT_FILE is not None:
        os.pwrite(_COUNT_FILE, b"%12d" % len(STORE), 0)


async def app(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    method, path = scope["method"], scope["path"]
    if path.endswith("/statements") and method == "POST":
        batch = json.loads(body)
        batch = batch if isinstance(batch, list) else [batch]
        new = [s["id"] for s in batch if s["id"] not in STORE]
        _keep(new)
        if DELAY:
            await asyncio.sleep(DELAY)
        await _answer(send, 200 if new else 204, json.dumps(new).encode() if new else b"")
    elif path.endswith("/statements") and method == "PUT":
        statement = json.loads(body)
        statement_id = parse_qs(scope["query_string"].decode()).get("statementId", [statement.get("id")])[0]
        _keep([statement_id])
        await _answer(send, 204, b"")
    elif path.endswith("/stats"):
        await _answer(send, 200, json.dumps({"stored": _stored()}).encode())
    elif path.endswith("/about"):
        await _answer(send, 200, b'{"version": ["1.0.3"]}')
    else:
        await _answer(send, 404, b"")


async def _answer(send, status: int, payload: bytes) -> None:
    headers = [(b"content-length", str(len(payload)).encode())]
    if payload:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
