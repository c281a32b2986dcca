"""A real SMTP server on loopback that saves every message it receives as an .eml file."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self._lock:
            self.count += 1
            path = self.folder / f"{self.count:03d}.eml"
        content = envelope.original_content or b""
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return "250 Message accepted for delivery"


def _free_port() -> int:
    # aiosmtpd's controller checks readiness by connecting to its port, so it needs a real number.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """`with Mailbox(folder) as box:` then send to 127.0.0.1:box.port; messages land in folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._handler = _SaveToFolder(folder)
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=_free_port())

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def received(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml"))

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, *exc: Any | TracebackType) -> None:
        self._controller.stop()
