"""The launch driver: simulated browsers doing complete LTI 1.3 launches, with the driver
playing the platform (it signs each id_token in-process with the platform key).

One launch, as a browser inside an LMS does it:

1. ``GET /lti/login?iss=…&login_hint=…`` to the tool → 302 to the platform's auth URL
   carrying ``state``, ``nonce`` and ``redirect_uri`` (and a state cookie);
2. the platform's authorization step, done here: check the ``redirect_uri``, sign an
   id_token with the tool's ``nonce`` (RS256, ~0.7 ms);
3. ``POST redirect_uri`` with ``id_token`` and ``state`` (form post) → 200, the landing
   page with the launched activity's title on it (and a session cookie); a tool that
   answers 302/303 instead is followed to its landing page (one more request).

Clients are deliberately cheap (benchmarking.md): each simulated browser has its own
keep-alive socket and its own cookie jar, and speaks just enough HTTP/1.1 by hand —
no ``requests``/``httpx`` session per browser, no ``http.cookiejar``. Like a browser,
it sends ``Secure`` cookies to loopback over plain http.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.launch.browser import Browser, LaunchFailed

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
USERS = 500  # distinct learners the launches cycle through


# --- the platform's side ------------------------------------------------------------------

class BenchPlatform:
    """Issuer, client, deployment and signing key of the simulated LMS."""

    def __init__(self, issuer: str, client_id: str = "bench-client", deployment_id: str = "bench-deployment"):
        self.issuer = issuer
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # loaded once
        self.kid = "bench-key-1"
        numbers = self.key.public_key().public_numbers()

        def b64(value: int) -> str:
            import base64
            raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        self.jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                               "n": b64(numbers.n), "e": b64(numbers.e)}]}

    @property
    def auth_login_url(self) -> str:
        return self.issuer + "/authorize"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"

    def claims(self, user: int, nonce: str) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.issuer, "aud": self.client_id, "sub": f"learner-{user}", "nonce": nonce,
            "iat": now, "exp": now + 300,
            "name": f"Learner-{user:03d} Bench", "given_name": f"Learner-{user:03d}", "family_name": "Bench",
            "email": f"learner{user}@example.org",
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": "",  # filled per tool
            LTI + "roles": [LIS + "membership#Learner"],
            LTI + "resource_link": {"id": "rl-feedback", "title": "Giving feedback: apply it at work"},
            LTI + "context": {"id": "course-coaching-101", "label": "COACH101", "title": "Coaching for application",
                              "type": [LIS + "course#CourseOffering"]},
            LTI + "launch_presentation": {"document_target": "iframe", "return_url": self.issuer + "/"},
            LTI + "tool_platform": {"guid": "bench-lms", "name": "bench LMS"},
        }

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


def serve_platform_jwks(platform: BenchPlatform, port: int) -> ThreadingHTTPServer:
    """The platform's JWKS URL (the only platform endpoint the tools call)."""
    body = json.dumps(platform.jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path != "/jwks":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "public, max-age=300")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- one launch -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ToolUnderTest:
    name: str
    host: str
    port: int
    login_path: str  # e.g. /lti/login
    launch_path: str  # the redirect_uri's path the tool must send to the platform

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


def launch_once(browser: Browser, tool: ToolUnderTest, platform: BenchPlatform, user: int) -> None:
    """Login initiation → platform authorization → id_token POST → landing page."""
    query = urlencode({"iss": platform.issuer, "login_hint": f"learner-{user}",
                       "target_link_uri": tool.base + tool.launch_path, "lti_message_hint": "rl-feedback",
                       "client_id": platform.client_id, "lti_deployment_id": platform.deployment_id})
    r = browser.request("GET", f"{tool.login_path}?{query}")
    location = r.header("location")
    if r.status != 302 or not location:
        raise LaunchFailed(f"login: {r.status} {r.body[:200]!r}")
    auth = urlsplit(location)
    params = {k: v[0] for k, v in parse_qs(auth.query).items()}
    if f"{auth.scheme}://{auth.netloc}{auth.path}" != platform.auth_login_url:
        raise LaunchFailed(f"login redirected to {location[:120]}")
    redirect_uri = urlsplit(params.get("redirect_uri", ""))
    if redirect_uri.path != tool.launch_path or params.get("client_id") != platform.client_id:
        raise LaunchFailed(f"unregistered redirect_uri or client: {params.get('redirect_uri')}")

    claims = platform.claims(user, params["nonce"])
    claims[LTI + "target_link_uri"] = tool.base + tool.launch_path
    id_token = platform.sign(claims)

    r = browser.request("POST", redirect_uri.path, form={"id_token": id_token, "state": params["state"]})
    if r.status in (302, 303) and r.header("location"):  # a tool that redirects after the POST
        target = urlsplit(r.header("location") or "")
        r = browser.request("GET", target.path + (f"?{target.query}" if target.query else ""))
    if r.status != 200 or b"Giving feedback" not in r.body:  # the launched activity's title
        raise LaunchFailed(f"landing: {r.status} {r.body[:300]!r}")


# --- a run ----------------------------------------------------------------------------------------

@dataclass
class PhaseResult:
    tool: str
    browsers: int
    seconds: float
    launches: int
    errors: int
    latencies_ms: list[float] = field(repr=False)
    driver_cpu: float  # CPU seconds the driver process used per wall second (cores)
    tool_cpu: float | None  # same for the tool's processes, when known
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.launches / self.seconds

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    def row(self) -> str:
        tool_cpu = f"{self.tool_cpu:5.2f}" if self.tool_cpu is not None else "   - "
        per_launch = (f"{1000 * self.tool_cpu / self.rate:5.2f}" if self.tool_cpu is not None and self.rate
                      else "  -  ")
        return (f"{self.tool:<12} {self.browsers:>3} {self.rate:9.1f} {self.p50:8.1f} {self.pct(95):8.1f} "
                f"{self.pct(99):8.1f} {self.launches:>8} {self.errors:>6}   {self.driver_cpu:5.2f}     "
                f"{tool_cpu}   {per_launch}")


HEADER = ("tool         brw  launch/s   p50 ms   p95 ms   p99 ms launches errors  drv-cores  "
          "tool-cores tool-ms/launch")


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_phase(tool: ToolUnderTest, platform: BenchPlatform, browsers: int, seconds: float, warmup: float,
              tool_cpu_seconds=None) -> PhaseResult:
    """``browsers`` threads launch back to back; launches finishing inside the measured
    window (after the warm-up) count."""
    stop = threading.Event()
    window = {"start": float("inf"), "end": float("inf")}
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"errors": 0}
    first_error: list[str] = []

    def browse(index: int) -> None:
        n = 0
        while not stop.is_set():
            user = (index * 7919 + n) % USERS
            n += 1
            # Every launch is a new visitor: a fresh cookie jar and connection (a jar kept
            # across hundreds of launches would pile up per-login state cookies).
            browser = Browser(tool.host, tool.port)
            t0 = time.perf_counter()
            try:
                launch_once(browser, tool, platform, user)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                t1 = time.perf_counter()
                browser.close()
                if window["start"] <= t1 <= window["end"]:
                    with lock:
                        counts["errors"] += 1
                        if not first_error:
                            first_error.append(f"{type(exc).__name__}: {exc}"[:400])
                continue
            t1 = time.perf_counter()
            browser.close()
            if window["start"] <= t1 <= window["end"]:
                latencies.append((t1 - t0) * 1000)  # list.append is atomic

    threads = [threading.Thread(target=browse, args=(i,), daemon=True) for i in range(browsers)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    cpu0, tool0 = _cpu_self(), tool_cpu_seconds() if tool_cpu_seconds else None
    start = time.perf_counter()
    window["end"] = start + seconds
    window["start"] = start
    time.sleep(seconds)
    end = time.perf_counter()
    cpu1, tool1 = _cpu_self(), tool_cpu_seconds() if tool_cpu_seconds else None
    stop.set()
    for t in threads:
        t.join(timeout=30)
    elapsed = end - start
    tool_cpu = (tool1 - tool0) / elapsed if tool0 is not None and tool1 is not None else None
    return PhaseResult(tool.name, browsers, elapsed, len(latencies), counts["errors"], list(latencies),
                       (cpu1 - cpu0) / elapsed, tool_cpu, first_error[0] if first_error else "")


def proc_cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes and their (reaped) children, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
    return total
