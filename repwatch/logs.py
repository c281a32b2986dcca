"""Structured logging: one line per event with the job and source it concerns, secrets masked."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

_context: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("repwatch_log_context", default=())
MASK = "***"


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Attach fields such as job= and source= to every record logged inside the block."""
    token = _context.set(tuple({**dict(_context.get()), **fields}.items()))
    try:
        yield
    finally:
        _context.reset(token)


class SecretMasker(logging.Filter):
    """Replaces every known secret value in a record's final message (and traceback) with ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        record.context = dict(_context.get())
        return True


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in getattr(record, "context", {}).items())
        line = f"{self.formatTime(record)} {record.levelname:<7} {record.name} "
        line += f"{fields} {record.getMessage()}" if fields else record.getMessage()
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            **getattr(record, "context", {}),
            "message": record.getMessage(),
        }
        if record.exc_text:
            event["error"] = record.exc_text
        return json.dumps(event, ensure_ascii=False)


def secret_values(env_names: Iterable[str | None]) -> list[str]:
    return [os.environ[name] for name in env_names if name and os.environ.get(name)]


def configure_logging(
    level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """Route all logging through one handler that masks `secrets` and adds job/source fields."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretMasker(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler
