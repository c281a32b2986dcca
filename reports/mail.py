"""Messages as reports render them, and their MIME form for email."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from reports.safety import UnsafeHeader, single_line

_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


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

    def __post_init__(self) -> None:
        single_line(self.subject, "subject")
        for recipient in self.recipients:
            single_line(recipient, "recipient")
            if not _ADDRESS.match(recipient):
                raise UnsafeHeader(f"recipient {recipient!r} is not a single email address")
        for image in self.images:
            single_line(image.cid, "image Content-ID")
            single_line(image.filename, "image file name")


def to_mime(message: Message, sender: str, now: datetime) -> EmailMessage:
    """multipart/alternative: text/plain, then HTML with its images in multipart/related."""
    single_line(sender, "sender")
    mime = EmailMessage(policy=SMTP)
    mime["Subject"] = message.subject
    mime["From"] = sender
    if message.recipients:
        mime["To"] = ", ".join(message.recipients)
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "repwatch")
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
