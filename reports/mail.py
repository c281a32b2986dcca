"""Messages as reports render them, and their MIME form for email."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from reports.safety import UnsafeHeader, single_line

_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_ID_PART = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class InlineImage:
    cid: str  # without angle brackets; HTML refers to it as src="cid:<cid>"
    data: bytes
    filename: str


@dataclass(frozen=True)
class Message:
    """What a notifier delivers. Header values are checked here, before anything is sent."""

    subject: str
    text: str
    html: str | None = None
    images: tuple[InlineImage, ...] = ()
    recipients: tuple[str, ...] = ()
    message_id: str | None = None  # the left part of the Message-ID; default: from the content
    markdown: str | None = None  # for chat services that read Markdown; else they get `text`

    def __post_init__(self) -> None:
        single_line(self.subject, "subject")
        if self.message_id is not None and not _ID_PART.match(self.message_id):
            raise UnsafeHeader(f"message id {self.message_id!r} is not letters, digits and . - _")
        for recipient in self.recipients:
            single_line(recipient, "recipient")
            if not _ADDRESS.match(recipient):
                raise UnsafeHeader(f"recipient {recipient!r} is not a single email address")
        for image in self.images:
            single_line(image.cid, "image Content-ID")
            single_line(image.filename, "image file name")


def stable_id(message: Message) -> str:
    """The message's own id, else one derived from its content: sending the same message again
    (a retry after a crash) gives the same Message-ID, so the receiver can drop the repeat."""
    if message.message_id is not None:
        return message.message_id
    content = "\0".join([message.subject, message.text, *message.recipients])
    return "repwatch." + hashlib.sha256(content.encode()).hexdigest()[:32]


def to_mime(message: Message, sender: str, now: datetime) -> EmailMessage:
    """multipart/alternative: text/plain, then HTML with its images in multipart/related."""
    single_line(sender, "sender")
    mime = EmailMessage(policy=SMTP)
    mime["Subject"] = message.subject
    mime["From"] = sender
    if message.recipients:
        mime["To"] = ", ".join(message.recipients)
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = f"<{stable_id(message)}@{sender.rpartition('@')[2] or 'repwatch'}>"
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", charset="utf-8")
        html_part = next(p for p in mime.iter_parts() if p.get_content_type() == "text/html")
        for image in message.images:
            html_part.add_related(
                image.data, maintype="image", subtype="png", cid=f"<{image.cid}>",
                filename=image.filename, disposition="inline",
            )
    return mime
