"""The launch driver's cheap browser: one keep-alive socket and one cookie jar per simulated
browser, speaking just enough HTTP/1.1 by hand (driver.py's docstring says why).

Imported as ``bench.launch.browser``: driver.py is loaded both as ``driver`` (the scripts
beside it) and as ``bench.launch.driver`` (bench/report/run.py).
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlencode


class LaunchFailed(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v
        return None


class Browser:
    """One keep-alive connection and one cookie jar (name → value; every cookie the tool
    sets here is ``Path=/`` on one host)."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.host_header = f"{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def request(self, method: str, target: str, form: dict[str, str] | None = None) -> Response:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}", "User-Agent: coachbridge-bench",
                 "Accept: text/html"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (0, 1):
            fresh = self.sock is None
            sock = self.sock or self._connect()
            try:
                sock.sendall(raw)
                return self._read_response(method)
            except (ConnectionError, _EmptyReply):
                # The server closed an idle keep-alive connection: retry once on a new one.
                self.close()
                if fresh or attempt:
                    raise
        raise AssertionError("unreachable")

    def _recv(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise _EmptyReply()
        return chunk

    def _read_response(self, method: str) -> Response:
        buffer = self.buffer
        while b"\r\n\r\n" not in buffer:
            try:
                buffer += self._recv()
            except _EmptyReply:
                if buffer:
                    raise ConnectionError("connection closed inside a response") from None
                raise
        head, _, rest = buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = []
        for line in header_lines:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        response = Response(status, headers, b"")
        length = response.header("content-length")
        if method == "HEAD" or status in (204, 304):
            body, rest = b"", rest
        elif length is not None:
            n = int(length)
            while len(rest) < n:
                rest += self._recv()
            body, rest = rest[:n], rest[n:]
        elif (response.header("transfer-encoding") or "").lower() == "chunked":
            body, rest = self._read_chunked(rest)
        else:  # until close
            chunks = [rest]
            try:
                while True:
                    chunks.append(self._recv())
            except _EmptyReply:
                pass
            body, rest = b"".join(chunks), b""
            self.close()
        response.body = body
        self.buffer = rest
        if (response.header("connection") or "").lower() == "close":
            self.close()
        for name, value in headers:
            if name == "set-cookie":
                self._store_cookie(value)
        return response

    def _read_chunked(self, rest: bytes) -> tuple[bytes, bytes]:
        body = []
        while True:
            while b"\r\n" not in rest:
                rest += self._recv()
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += self._recv()
            if size == 0:
                while b"\r\n" not in rest:  # no trailers expected
                    rest += self._recv()
                return b"".join(body), rest.partition(b"\r\n")[2]
            body.append(rest[:size])
            rest = rest[size + 2:]

    def _store_cookie(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.partition("=")
        name = name.strip()
        lowered = attributes.lower()
        if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value.strip()


class _EmptyReply(Exception):
    pass
