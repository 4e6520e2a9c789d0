"""A threaded HTTP server on 127.0.0.1 for the test services; the handler class finds its owner by name."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    """Serves ``handler`` (a subclass told about this object as ``owner_name``) on a free loopback port."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], owner_name: str) -> None:
        bound = type("Handler", (handler,), {owner_name: self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
