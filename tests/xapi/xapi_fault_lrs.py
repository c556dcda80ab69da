"""A fault-injecting LRS stand-in: a real HTTP/1.1 server on 127.0.0.1 or another local
address (threaded ``http.server``) that stores statements by id in memory and misbehaves
on demand.

Behaviour as an LRS: an atomic batch POST; an identical statement with a known id is a
duplicate (200 listing only the new ids, 204 when none is new); a differing one is 409;
a statement without actor/verb/object is 400. Faults: :meth:`go_down` /
:meth:`come_up` (the port refuses connections in between), :meth:`inject` a queue of
per-request faults (a status with optional ``Retry-After``; a hang past the client's read
timeout, or a dropped connection, both after storing: the LRS has the statements but the
client cannot know), ``max_batch`` (413 above it). :meth:`answer_with` scripts the
answers instead (``rule(ids) -> (status, headers, body)``), for the delivery loop's tests.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from email.message import Message
from typing import Callable

Rule = Callable[[list[str]], tuple[int, dict[str, str], "str | bytes"]]


@dataclass(frozen=True)
class Fault:
    """What to do to one request; ``Fault()`` handles it normally."""

    status: int | None = None  # answer this instead of handling the request
    retry_after: str | None = None
    hang: float | None = None  # store, then answer only after this many seconds
    disconnect: bool = False  # store, then close the connection without answering


class _Server(ThreadingHTTPServer):
    """Keeps its open connections, so that going down closes keep-alive ones too (as an
    LRS process that dies does), not only the listening socket."""

    daemon_threads = True

    def __init__(self, *args) -> None:
        self.connections: set[socket.socket] = set()
        super().__init__(*args)

    def process_request(self, request, client_address) -> None:
        self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        for connection in list(self.connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up on a hanging request leaves a broken pipe behind


class _Ipv6Server(_Server):
    address_family = socket.AF_INET6


class FaultLrs:
    """``tls``: serve HTTPS with this server-side context (see :func:`self_signed_tls`);
    ``host``: the address to listen on (``::1`` for the IPv6 loopback)."""

    def __init__(self, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> None:
        self.tls = tls
        self.host = host
        self.statements: dict[str, dict] = {}
        self.resent_known = 0  # statements received again after being stored
        self.max_batch: int | None = None
        self.requests = 0
        self.versions_seen: set[str] = set()
        self.last_headers: Message | None = None  # of the last statements POST (any case)
        self.last_body = b""
        self.about_versions: list[str] | None = ["1.0.3", "2.0.0"]  # None: GET about is a 404
        self.read_status = 200  # what GET statements answers (with no statement)
        self.posted: list[list[str]] = []  # the statement ids of each scripted POST
        self._rule: Rule | None = None
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/xapi/"

    def start(self) -> "FaultLrs":
        self.come_up()
        return self

    def come_up(self) -> None:
        server = (_Ipv6Server if ":" in self.host else _Server)((self.host, self.port), _handler_for(self))
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def go_down(self) -> None:
        """Stop listening: connections to the port are refused until :meth:`come_up`."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()

    stop = go_down

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def answer_with(self, rule: Rule) -> list[list[str]]:
        """Answer each POST with ``rule(ids of its statements)``; returns :attr:`posted`."""
        self._rule = rule
        return self.posted

    def preload(self, statement: dict) -> None:
        with self._lock:
            self.statements[statement["id"]] = statement

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def handle_post(self, body: bytes) -> tuple[int, dict[str, str], bytes, Fault | None]:
        """(status, headers, body, the fault to apply to the answer)."""
        with self._lock:
            self.requests += 1
            fault = self._faults.popleft() if self._faults else None
            if fault is not None and fault.status is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return fault.status, headers, b'{"error": "injected"}', None
            try:
                batch = json.loads(body)
            except ValueError:
                return 400, {}, b'{"error": "invalid JSON"}', None
            batch = batch if isinstance(batch, list) else [batch]
            if self._rule is not None:
                ids = [statement["id"] for statement in batch]
                self.posted.append(ids)
                status, headers, payload = self._rule(ids)
                return status, headers, payload.encode() if isinstance(payload, str) else payload, fault
            if self.max_batch is not None and len(batch) > self.max_batch:
                return 413, {}, b'{"error": "batch too large"}', None
            new = {}
            for statement in batch:
                if not all(key in statement for key in ("id", "actor", "verb", "object")):
                    return 400, {}, json.dumps({"error": f"invalid statement {statement.get('id')}"}).encode(), None
                known = self.statements.get(statement["id"]) or new.get(statement["id"])
                if known is not None and known != statement:
                    return 409, {}, json.dumps({"error": f"differing statement {statement['id']}"}).encode(), None
                if known is None:
                    new[statement["id"]] = statement
            self.statements.update(new)
            self.resent_known += len(batch) - len(new)
            if not new:
                return 204, {}, b"", fault
            return 200, {"Content-Type": "application/json"}, json.dumps(list(new)).encode(), fault


def _handler_for(lrs: FaultLrs):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            version = self.headers.get("X-Experience-API-Version")
            if version is None or not self.path.endswith("/statements"):
                self._answer(400, {}, b'{"error": "version header missing or wrong path"}')
                return
            lrs.versions_seen.add(version)
            lrs.last_headers, lrs.last_body = self.headers, body
            status, headers, payload, fault = lrs.handle_post(body)
            if fault is not None and fault.disconnect:
                self.close_connection = True
                return
            if fault is not None and fault.hang:
                time.sleep(fault.hang)
            self._answer(status, headers, payload)

        def do_GET(self) -> None:
            if self.path.endswith("/about") and lrs.about_versions is not None:
                self._answer(200, {"Content-Type": "application/json"}, json.dumps({"version": lrs.about_versions}).encode())
            elif self.path.split("?")[0].endswith("/statements"):
                body = {"statements": [], "more": ""} if lrs.read_status == 200 else {"error": "not allowed"}
                self._answer(lrs.read_status, {"Content-Type": "application/json"}, json.dumps(body).encode())
            else:
                self._answer(404, {}, b"")

        def _answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def self_signed_tls(directory) -> tuple[ssl.SSLContext, str]:
    """A server context for 127.0.0.1 with a fresh self-signed certificate, and the path of
    that certificate (PEM), which a client must trust to connect."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fault-lrs.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = f"{directory}/lrs-cert.pem", f"{directory}/lrs-key.pem"
    with open(cert_path, "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path
