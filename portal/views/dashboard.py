"""A tenant's home: the sign-in dashboard for the last 30 days."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import access_tenant
from portal.stats import COLOURS, sign_in_chart, sign_in_stats
from portal.views.common import portal_login_required


@portal_login_required
@require_GET
def tenant_home(request, slug):
    """Sign-ins per day, new registrations and failures by reason (any member may look)."""
    access = access_tenant(actor=request.user, slug=slug)
    stats = sign_in_stats(tenant=access.tenant)
    context = {
        "tenant": access.tenant,
        "access": access,
        "stats": stats,
        "chart": sign_in_chart(stats),
        "colours": COLOURS,
    }
    return render(request, "portal/tenant_home.html", context)
