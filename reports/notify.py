"""Delivery behind one small seam: a Notifier has a `channel` name and `send(message, now)`.

Channels: email over SMTP (STARTTLS, TLS or plain, login with a password read from the
environment variable the config names, at send time), a Slack-compatible webhook, chat services
through Apprise (Slack, Teams, Discord, Telegram, Mattermost, ...; each URL a secret in its own
environment variable, read at send time), and a dry run that records what would have been sent.
Failures raise DeliveryError; the caller keeps the message and retries later.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import apprise
import httpx

from reports.mail import Message, stable_id, to_mime


class SmtpSettings(Protocol):
    """How to reach the mail server (the config's smtp section has this shape)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def tls(self) -> str: ...  # "starttls", "tls" or "none"
    @property
    def user(self) -> str | None: ...
    @property
    def password_env(self) -> str | None: ...
    @property
    def sender(self) -> str: ...
    @property
    def timeout_seconds(self) -> float: ...


class HasSmtp(Protocol):
    @property
    def smtp(self) -> SmtpSettings | None: ...


@dataclass(frozen=True)
class Channels:
    """Where alerts go: email (with the SMTP settings), a webhook, chat services via Apprise."""

    smtp: SmtpSettings | None = None
    recipients: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_url_env: str | None = None
    apprise_urls_env: tuple[str, ...] = ()


class DeliveryError(RuntimeError):
    """A message could not be delivered; the text names the channel, never a secret."""


class NotConfigured(RuntimeError):
    """The config does not say how to deliver this kind of message."""


class Notifier(Protocol):
    channel: str

    def send(self, message: Message, now: datetime) -> None: ...


class EmailNotifier:
    channel = "email"

    def __init__(
        self,
        smtp: SmtpSettings,
        env: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.smtp = smtp
        self.env = os.environ if env is None else env
        self.ssl_context = ssl_context

    def _password(self) -> str | None:
        if self.smtp.user is None:
            return None
        name = self.smtp.password_env
        if name is None:
            raise DeliveryError("smtp.user is set but smtp.password_env names no variable")
        password = self.env.get(name)
        if not password:
            raise DeliveryError(f"environment variable {name} (smtp.password_env) is not set")
        return password

    def send(self, message: Message, now: datetime) -> None:
        if not message.recipients:
            raise DeliveryError("email: the message has no recipients")
        mime = to_mime(message, self.smtp.sender, now)
        password = self._password()
        where = f"SMTP {self.smtp.host}:{self.smtp.port}"
        context = self.ssl_context or ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if self.smtp.tls == "tls":
                client = smtplib.SMTP_SSL(self.smtp.host, self.smtp.port,
                                          timeout=self.smtp.timeout_seconds, context=context)
            else:
                client = smtplib.SMTP(self.smtp.host, self.smtp.port,
                                      timeout=self.smtp.timeout_seconds)
            with client:
                if self.smtp.tls == "starttls":
                    client.starttls(context=context)
                if self.smtp.user is not None and password is not None:
                    client.login(self.smtp.user, password)
                refused = client.send_message(mime, self.smtp.sender, list(message.recipients))
        except (smtplib.SMTPException, OSError) as exc:
            detail = str(exc) if password is None else str(exc).replace(password, "***")
            raise DeliveryError(f"{where}: {type(exc).__name__}: {detail}") from None
        if refused:
            raise DeliveryError(f"{where} refused {', '.join(sorted(refused))}")


def slack_escape(text: str) -> str:
    """Slack reads <...> as links and mentions; escape them so quoted text stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class WebhookNotifier:
    """POSTs {"text": ...} as Slack (and Mattermost, Rocket.Chat, ...) incoming webhooks expect."""

    channel = "webhook"

    def __init__(self, url: str | None, client: httpx.Client | None = None, timeout: float = 20.0,
                 *, url_env: str | None = None, env: Mapping[str, str] | None = None) -> None:
        """`url`, or the environment variable `url_env` read at send time (like the SMTP password)."""
        self._url = url
        self.url_env = url_env
        self.env = os.environ if env is None else env
        self.client = client or httpx.Client(timeout=timeout)

    @property
    def url(self) -> str:
        url = self.env.get(self.url_env) if self.url_env else self._url
        if not url:
            raise DeliveryError(f"environment variable {self.url_env} (alerts.webhook_url_env) is not set")
        return url

    def send(self, message: Message, now: datetime) -> None:
        text = f"*{slack_escape(message.subject)}*\n{slack_escape(message.text)}"
        url = self.url
        host = httpx.URL(url).host  # the path often holds a token: never print it
        try:  # the key lets a receiver drop a repeat after a crash (delivery is at least once)
            response = self.client.post(url, json={"text": text},
                                        headers={"Idempotency-Key": stable_id(message)})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {host}: {type(exc).__name__}") from None
        if not response.is_success:
            raise DeliveryError(f"webhook {host} answered HTTP {response.status_code}")


class AppriseNotifier:
    """Posts the message's chat form (Markdown, or its text) to every Apprise URL, each held in
    the environment variable named in `urls_env`; Apprise formats it for each service."""

    channel = "chat"

    def __init__(self, urls_env: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.urls_env = list(urls_env)
        self.env = os.environ if env is None else env

    def _service(self, name: str) -> apprise.Apprise:
        url = self.env.get(name)
        if not url:
            raise DeliveryError(f"environment variable {name} (alerts.apprise_urls_env) is not set")
        service = apprise.Apprise()
        if not service.add(url):  # never print the URL: it holds the token
            raise DeliveryError(f"environment variable {name} does not hold an Apprise URL")
        return service

    def send(self, message: Message, now: datetime) -> None:
        services = {name: self._service(name) for name in self.urls_env}
        body, body_format = ((message.markdown, apprise.NotifyFormat.MARKDOWN) if message.markdown
                             else (message.text, apprise.NotifyFormat.TEXT))
        failed = [f"{service[0].service_name} ({name})" for name, service in services.items()
                  if not service.notify(body=body, title=message.subject, body_format=body_format)]
        if failed:
            raise DeliveryError(f"chat: {', '.join(failed)} did not take the message")


class DryRunNotifier:
    """Sends nothing: keeps each message in `sent` and, given a folder, writes it as .eml."""

    channel = "dry-run"

    def __init__(self, directory: Path | None = None, sender: str = "repwatch@localhost") -> None:
        self.directory = directory
        self.sender = sender
        self.sent: list[Message] = []
        self.written: list[Path] = []

    def send(self, message: Message, now: datetime) -> None:
        self.sent.append(message)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{now:%Y%m%dT%H%M%S}-{len(self.sent):03d}.eml"
            (self.directory / name).write_bytes(bytes(to_mime(message, self.sender, now)))
            self.written.append(self.directory / name)


def email_notifier(
    config: HasSmtp, env: Mapping[str, str] | None = None, ssl_context: ssl.SSLContext | None = None
) -> EmailNotifier:
    if config.smtp is None:
        raise NotConfigured("there is no smtp section in the config")
    return EmailNotifier(config.smtp, env, ssl_context)


def notifiers_for(
    channels: Channels,
    *,
    dry_run: bool = False,
    dry_run_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    http: httpx.Client | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> list[Notifier]:
    """The alert channels set up (email, webhook, chat), or one dry run instead."""
    if dry_run:
        sender = channels.smtp.sender if channels.smtp else "repwatch@localhost"
        return [DryRunNotifier(dry_run_dir, sender)]
    notifiers: list[Notifier] = []
    if channels.recipients:
        notifiers.append(email_notifier(channels, env, ssl_context))
    if channels.webhook_url or channels.webhook_url_env:
        notifiers.append(WebhookNotifier(channels.webhook_url, http,
                                         url_env=channels.webhook_url_env, env=env))
    if channels.apprise_urls_env:
        notifiers.append(AppriseNotifier(channels.apprise_urls_env, env))
    return notifiers
