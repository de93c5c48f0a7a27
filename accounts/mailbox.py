"""The development mailbox: an email backend that keeps each message as a file in var/mail."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

MESSAGE_NAME = re.compile(r"^\d{16}-[0-9a-f]{8}\.eml$")
LIST_LIMIT = 200


def mailbox_dir() -> Path:
    """Where the development mailbox keeps its messages."""
    return Path(settings.DEV_MAILBOX_DIR)


class MailboxBackend(BaseEmailBackend):
    """Writes every message to its own .eml file; only configured in development."""

    def send_messages(self, email_messages):
        folder = mailbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            # Microsecond timestamps sort by arrival; the random tail keeps names unique.
            name = f"{time.time_ns() // 1000:016d}-{secrets.token_hex(4)}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
            sent += 1
        return sent


@dataclass(frozen=True)
class MailboxMessage:
    """One stored message, parsed."""

    id: str
    received: datetime
    sender: str
    to: str
    subject: str
    body: str


def _parse(path: Path) -> MailboxMessage:
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    part = parsed.get_body(preferencelist=("plain", "html"))
    micros = int(path.name.split("-", 1)[0])
    return MailboxMessage(
        id=path.stem,
        received=datetime.fromtimestamp(micros / 1_000_000, tz=timezone.utc),
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        subject=str(parsed.get("Subject", "")),
        body=part.get_content() if part is not None else "",
    )


def mailbox_list() -> list[MailboxMessage]:
    """The newest messages first."""
    folder = mailbox_dir()
    if not folder.is_dir():
        return []
    names = sorted((p for p in folder.iterdir() if MESSAGE_NAME.match(p.name)), reverse=True)
    return [_parse(p) for p in names[:LIST_LIMIT]]


def mailbox_get(message_id: str) -> MailboxMessage | None:
    """One message by id, or None (ids are checked, so no path can escape the folder)."""
    name = f"{message_id}.eml"
    if not isinstance(message_id, str) or not MESSAGE_NAME.match(name):
        return None
    path = mailbox_dir() / name
    return _parse(path) if path.is_file() else None
