"""The one mail sender: every email renders `emails/<name>_subject.txt` and `emails/<name>.txt`.

An email about a tenant (`tenant` in the context) also gets an HTML part carrying the tenant's
brand: logo, display name and colour around the same text.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from tenants.branding import colors
from tenants.branding.selectors import logo_url_of


def _branded_html(*, body: str, tenant) -> str:
    color = colors.palette(tenant.brand_color or colors.DEFAULT_PRIMARY)["--lk-primary"]
    return render_to_string(
        "emails/_branded.html",
        {"body": body, "tenant": tenant, "logo_url": logo_url_of(tenant), "color": color},
    )


def mail_send(*, template: str, to: str, context: dict) -> None:
    """Render the subject (one line) and body of `template` and send them to one address."""
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    tenant = context.get("tenant")
    if tenant is not None and hasattr(tenant, "brand_color"):
        message.attach_alternative(_branded_html(body=body, tenant=tenant), "text/html")
    message.send()
