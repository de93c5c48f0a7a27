"""Template context shared by every page."""

from django.conf import settings
from django.urls import reverse


def development(request):
    """The development mailbox's URL, only where it exists (never in production)."""
    if not settings.DEV_MAILBOX:
        return {}
    return {"dev_mailbox_url": reverse("portal:dev-mailbox")}
