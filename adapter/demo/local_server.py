"""A WSGI app served from a background thread: the demo and the tests run the tool and
the demo LMS side by side this way, over real HTTP on the loopback interface."""
from __future__ import annotations

import threading

from werkzeug.serving import make_server


class ServerThread:
    """Binds at once (so the port is known) and serves ``app``, which may be set later:
    two servers that must know each other's URL can then be started in any order."""

    def __init__(self, app=None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.server = make_server(host, port, self._dispatch, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def start(self) -> "ServerThread":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
