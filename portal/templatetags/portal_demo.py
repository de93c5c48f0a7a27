"""Development-only hints about the local demo data (never rendered in production)."""

from django import template
from django.conf import settings

register = template.Library()

# Kept in step with accounts/management/commands/demo_data.py.
DEMO_SUPPORT_EMAIL = "support@latchkey.test"


@register.inclusion_tag("portal/_demo_support_hint.html")
def demo_support_hint():
    """Tell an unassigned newcomer on a local install that the demo has a support account."""
    return {"show": settings.ENVIRONMENT == "development", "email": DEMO_SUPPORT_EMAIL}
