"""The one design system: shared stylesheet, readable audit details, plurals, rendered guide."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.markdown import render_markdown
from portal.templatetags.portal_format import action_label, details_list
from tenants.audit import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_audit_details_are_readable_not_python_dicts(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write")
    AuditEvent.objects.create(
        action="oidc.settings_updated",
        tenant=tenant,
        details={"response_type": {"before": "code", "after": "id_token"}, "enabled": True},
    )
    client.force_login(admin.user)
    body = client.get(reverse("portal:tenant-audit", kwargs={"slug": tenant.slug})).content.decode()
    assert "{'" not in body and "{&#x27;" not in body
    assert "Response type:</span> code → id_token" in body
    assert "Enabled:</span> yes" in body
    assert "Oidc: settings updated" in body


def test_details_list_escapes_values():
    html = details_list({"name": "<script>x</script>", "ids": [1, 2], "none": None})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "1, 2" in html and "–" in html
    assert action_label("tenant.created") == "Tenant: created"


def test_every_page_uses_the_one_stylesheet_and_no_inline_style(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write")
    client.force_login(admin.user)
    for url in (
        reverse("portal:home"),
        reverse("portal:tenant-settings", kwargs={"slug": tenant.slug}),
        reverse("portal:tenant-keys", kwargs={"slug": tenant.slug}),
        reverse("portal:docs"),
    ):
        body = client.get(url).content.decode()
        assert "latchkey/latchkey.css" in body, url
        assert "<style" not in body and ' style="' not in body, url


def test_signing_keys_are_linked_from_navigation(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_only")
    client.force_login(admin.user)
    body = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("portal:tenant-keys", kwargs={"slug": tenant.slug})}"' in body
    assert ">Signing keys</a>" in body


def test_flash_messages_are_alerts_not_bullets(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write")
    client.force_login(admin.user)
    resp = client.post(reverse("portal:profile"), {"given_name": "Ada", "family_name": "L"})
    body = client.get(resp["Location"]).content.decode()
    assert 'class="alert alert-success"' in body and "Profile saved." in body
    assert '<ul class="messages">' not in body


def test_plurals_on_support_pages(client, tenant, support_user):
    factories.membership(tenant=tenant, role="read_write")
    client.force_login(support_user)
    body = client.get(reverse("portal:support")).content.decode()
    assert "1 member)" in body and "1 members" not in body
    user = factories.portal_user(email="lonely@example.test")
    body = client.get(reverse("portal:support-user", kwargs={"user_id": user.pk})).content.decode()
    assert "0 passkeys" in body and "passkey(s)" not in body


def test_waiting_page_hints_at_the_demo_support_account_in_development(client, settings):
    user = factories.portal_user(email="newbie@example.test")
    client.force_login(user)
    settings.ENVIRONMENT = "development"
    assert "support@latchkey.test" in client.get(reverse("portal:home")).content.decode()
    settings.ENVIRONMENT = "production"
    assert "support@latchkey.test" not in client.get(reverse("portal:home")).content.decode()


def test_guide_is_rendered_markdown_and_sanitised(client):
    body = client.get(reverse("portal:docs")).content.decode()
    assert "<h1>Portal guide</h1>" in body and "<h2>" in body
    assert not re.search(r"^## ", body, re.M)
    html = render_markdown("# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    assert "<script>" not in html and 'href="javascript' not in html
