"""Email backend for the benchmark: each message lands in $BENCH_MAILBOX/<recipient>.txt."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    """Writes the latest message to each recipient into one file (a stand-in for SMTP)."""

    def send_messages(self, email_messages):
        folder = Path(os.environ["BENCH_MAILBOX"])
        for message in email_messages:
            for to in message.to:
                path = folder / f"{to.lower()}.txt"
                path.write_text(message.body)
        return len(email_messages)
