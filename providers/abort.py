"""Ending an HTTP request that another thread is waiting on (Stop): its socket is shut down.

Closing an ``httpx.Client`` does not wake a thread blocked reading a response; shutting the socket down does, at
once. httpx does not expose its sockets, so they are found through httpcore's pool, defensively: a library change
makes this do nothing (the request then ends when the endpoint answers), never break a call.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any


def open_sockets(http_client: Any) -> list[socket.socket]:
    """The sockets of an ``httpx.Client``'s pooled connections (an OpenAI client's ``_client``)."""
    pool = getattr(getattr(http_client, "_transport", None), "_pool", None)
    found = []
    for connection in list(getattr(pool, "connections", []) or []):
        inner = getattr(connection, "_connection", None)
        stream = getattr(inner, "_network_stream", None)
        sock = getattr(stream, "_sock", None)
        if isinstance(sock, socket.socket):
            found.append(sock)
    return found


def shut_down(http_client: Any) -> int:
    """Shut down every pooled connection of ``http_client``: a thread waiting on one gets a connection error at
    once. Returns how many were shut down."""
    sockets = open_sockets(http_client)
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return len(sockets)
