"""The demo: its tenant and accounts, and the one-time links `make run` prints last."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.email_links import email_link_issue
from accounts.models import EmailLink, Membership, User
from portal.token_viewer import viewer_redirect_url
from tenants.models import Tenant
from tenants.oidc.selectors import redirect_urls_of
from tenants.oidc.services import client_get_or_create, oidc_settings_update, redirect_url_add
from tenants.services import tenant_create

DEMO_SLUG = "demo"
SUPPORT_EMAIL = "support@latchkey.test"
ADMIN_EMAIL = "admin@demo.latchkey.test"
REASON = "demo data"


@dataclass(frozen=True)
class DemoLink:
    """A one-time sign-in link for one demo account."""

    role: str
    email: str
    url: str


@transaction.atomic
def demo_data_load() -> Tenant:
    """Create what is missing: the tenant (OIDC on, the token viewer registered), two accounts."""
    tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
    if tenant is None:
        tenant = tenant_create(slug=DEMO_SLUG, display_name="Demo Company", reason=REASON)
    support = User.objects.portal().by_email(SUPPORT_EMAIL).first()
    if support is None:
        User.objects.create_user(
            SUPPORT_EMAIL, given_name="Sam", family_name="Support", is_staff=True
        )
    admin = User.objects.portal().by_email(ADMIN_EMAIL).first()
    if admin is None:
        admin = User.objects.create_user(ADMIN_EMAIL, given_name="Dana", family_name="Admin")
        Membership.objects.create(user=admin, tenant=tenant, role=Membership.Role.READ_WRITE)
    client = client_get_or_create(tenant=tenant, actor=None)
    if not tenant.oidc_enabled:
        oidc_settings_update(tenant=tenant, actor=None, enabled=True, inputs=None)
        tenant.refresh_from_db()
    viewer_url = viewer_redirect_url(tenant)
    if not redirect_urls_of(tenant=tenant, client=client).filter(url=viewer_url).exists():
        redirect_url_add(tenant=tenant, actor=None, url=viewer_url, client=client)
    return tenant


def demo_links() -> list[DemoLink]:
    """Fresh one-time sign-in links for the support account and the demo admin."""
    links = []
    for role, email in (("Support staff", SUPPORT_EMAIL), ("Demo tenant admin", ADMIN_EMAIL)):
        user = User.objects.portal().by_email(email).first()
        if user is None:
            continue
        token = email_link_issue(purpose=EmailLink.Purpose.SIGN_IN, email=user.email, user=user)
        path = reverse("portal:email-link", kwargs={"token": token})
        links.append(DemoLink(role=role, email=user.email, url=f"{settings.PUBLIC_URL}{path}"))
    return links
