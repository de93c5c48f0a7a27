"""The one mail sender: every email renders `emails/<name>_subject.txt` and `emails/<name>.txt`."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def mail_send(*, template: str, to: str, context: dict) -> None:
    """Render the subject (one line) and body of `template` and send them to one address."""
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
