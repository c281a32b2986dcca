"""A wall-clock deadline for one HTTP exchange (connection, headers and body together).

httpx's timeouts bound each read, so a server that trickles a byte every few seconds never
trips them. The watchdog shuts down the exchange's socket once its deadline passes, which
wakes a blocked read at once. It learns the socket from httpcore's `trace` hook when the
connection is opened, so the client keeps no connections alive between exchanges.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any


class Watchdog:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: keep the socket of each connection this exchange opens."""
        if event != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.fired:
                    _shut(sock)

    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.deadline

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)
