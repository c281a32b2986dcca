"""Helpers for report tests: seeding tagged mentions straight into the database (as the model
would write them), a test config, and an aiosmtpd handler that keeps what it receives."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, insert, select

from repwatch.config import Config, SourceConfig, parse_config
from storage.db import Database
from storage.mentions import utc_naive
from storage.models import MentionRow, MentionTheme, Source, Tag

CONFIG = """\
brands:
  - name: Acme
digest:
  timezone: Europe/London
  trend_weeks: 8
alerts:
  min_count: 5
  repeat_every: 24h
"""


# Sources are added after parsing so these tests do not depend on which collectors are installed.
SOURCES = (
    SourceConfig(name="appstore", kind="apple_app_store", brand="Acme", every=timedelta(hours=6)),
    SourceConfig(name="forum", kind="rss", brand="Acme", every=timedelta(hours=1)),
)


def make_config(extra: str = "", env: dict[str, str] | None = None) -> Config:
    config = parse_config(CONFIG + extra, "test-config", env=env or {})
    return config.model_copy(update={"sources": list(SOURCES)})


@dataclass
class Seeder:
    database: Database
    brand: str = "Acme"
    sources: dict[str, int] = field(default_factory=dict)
    next_id: int = 0
    mentions: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    themes: list[dict[str, Any]] = field(default_factory=list)

    def source(self, name: str, kind: str = "rss", brand: str | None = None, **state: Any) -> int:
        with self.database.session() as session:
            row = Source(name=name, kind=kind, brand=brand or self.brand,
                         consecutive_failures=state.pop("consecutive_failures", 0), **state)
            session.add(row)
            session.flush()
            self.sources[name] = row.id
            if not self.next_id:
                self.next_id = (session.scalar(select(func.max(MentionRow.id))) or 0) + 1
            return row.id

    def mention(
        self,
        source: str,
        published_at: datetime,
        text: str = "a mention",
        *,
        sentiment: str | None = "neutral",
        themes: dict[str, float] | None = None,
        rating: int | None = None,
        author: str | None = "someone",
        url: str | None = "https://example.com/m",
        language: str = "en",
        status: str = "tagged",
        negative_score: float = 0.5,
        collected_at: datetime | None = None,
        brand: str | None = None,
    ) -> int:
        mention_id = self.next_id
        self.next_id += 1
        self.mentions.append({
            "id": mention_id, "source_id": self.sources[source], "external_id": f"e{mention_id}",
            "brand": brand or self.brand, "url": url, "author": author, "title": None,
            "text": text, "rating": rating, "language": language,
            "published_at": utc_naive(published_at),
            "collected_at": utc_naive(collected_at or published_at), "metrics": None,
        })
        if status == "unsupported_language":
            sentiment = None
        if sentiment is not None or status != "tagged":
            self.tags.append({
                "mention_id": mention_id, "status": status, "sentiment": sentiment,
                "score_negative": negative_score, "score_neutral": None, "score_positive": None,
                "language": language, "model_version": "test", "tagged_at": utc_naive(published_at),
            })
        for theme, score in (themes or {}).items():
            self.themes.append({"mention_id": mention_id, "theme": theme, "score": score})
        return mention_id

    def ordinary_history(self, source: str, until: datetime, brand: str | None = None) -> None:
        """40 days of ordinary posts before `until`, one every two hours, every fourth one about
        slow response: the baseline a spike is measured against."""
        start = until - timedelta(days=40)
        for hour in range(0, 40 * 24 - 1, 2):
            self.mention(source, start + timedelta(hours=hour), f"ordinary post {hour}",
                         sentiment="neutral", brand=brand,
                         themes={"slow_response": 0.5} if hour % 8 == 0 else {})

    def flush(self) -> None:
        with self.database.session() as session:
            for model, rows in ((MentionRow, self.mentions), (Tag, self.tags),
                                (MentionTheme, self.themes)):
                if rows:
                    session.execute(insert(model), rows)
        self.mentions, self.tags, self.themes = [], [], []


# --- a real SMTP server on loopback ----------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.original_content or envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    client_context: ssl.SSLContext | None = None


SMTP_USER = "repwatch"
SMTP_PASSWORD = "correct horse battery staple"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    accepted = data.login == SMTP_USER.encode() and data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=accepted, handled=False)  # not handled: aiosmtpd answers 535
