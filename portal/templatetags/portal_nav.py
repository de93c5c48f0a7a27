"""The portal navigation, computed from the signed-in user so any page can include it."""

from django import template
from django.urls import NoReverseMatch, reverse

from accounts.models import Membership

register = template.Library()


def _settings_url(slug: str) -> str:
    try:
        return reverse("portal:tenant-settings", kwargs={"slug": slug})
    except NoReverseMatch:
        return f"/portal/tenants/{slug}/settings/"


@register.inclusion_tag("portal/_nav.html", takes_context=True)
def portal_nav(context):
    """Home, per-tenant links, passkeys, API tokens, support (staff), sign out."""
    request = context.get("request")
    user = getattr(request, "user", None)
    tenants = []
    if user is not None and user.is_authenticated:
        memberships = Membership.objects.filter(user=user).select_related("tenant")
        for m in memberships.order_by("tenant__slug"):
            tenants.append(
                {
                    "slug": m.tenant.slug,
                    "name": m.tenant.display_name,
                    "can_write": m.can_write,
                    "settings_url": _settings_url(m.tenant.slug),
                }
            )
    current = ""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        current = match.kwargs.get("slug", "")
    return {
        "user": user,
        "tenants": tenants,
        "current": current,
        "csrf_token": context.get("csrf_token"),
    }
