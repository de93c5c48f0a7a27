"""Periodic cleanup on Celery beat: expired OAuth rows, emailed links and sessions."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone


# The task keeps its registered name, which beat schedules and queued messages refer to.
@shared_task(name="tenants.delete_expired_records")
def delete_expired_records() -> dict:
    """Delete expired OAuth grants and tokens, emailed links and sessions.

    WebAuthn challenges live in the cache with a TTL (accounts.passkeys.challenges), so they
    expire on their own and need no sweep here.
    """
    from django.contrib.sessions.models import Session
    from oauth2_provider.models import clear_expired

    from accounts.models import EmailLink

    clear_expired()
    now = timezone.now()
    # Used links are kept as long as unused ones, so "already used" stays a clear answer.
    links, _ = EmailLink.objects.filter(
        expires_at__lt=now - timedelta(seconds=settings.EMAIL_LINK_TTL_SECONDS)
    ).delete()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    return {"email_links": links, "sessions": sessions}
