"""The portal navigation, computed from the signed-in user so any page can include it."""

from django import template
from django.urls import NoReverseMatch, reverse

from accounts.models import Membership

register = template.Library()


def _tenant_url(name: str, slug: str, fallback: str) -> str:
    try:
        return reverse(f"portal:{name}", kwargs={"slug": slug})
    except NoReverseMatch:
        return f"/portal/tenants/{slug}/{fallback}/"


@register.inclusion_tag("portal/_nav.html", takes_context=True)
def portal_nav(context):
    """Home, per-tenant links (settings, keys, members, audit), account links, sign out."""
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
                    "settings_url": _tenant_url("tenant-settings", m.tenant.slug, "settings"),
                    "keys_url": _tenant_url("tenant-keys", m.tenant.slug, "keys"),
                }
            )
    current = url_name = ""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        current = match.kwargs.get("slug", "")
        url_name = match.url_name or ""
    return {
        "user": user,
        "tenants": tenants,
        "current": current,
        "url_name": url_name,
        "csrf_token": context.get("csrf_token"),
    }
