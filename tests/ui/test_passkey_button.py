"""“Sign in with a passkey” on the IdP page: discoverable, per-tenant, and switchable."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests import factories
from tests.idp.signin_support import private_cache, register, sign_in  # noqa: F401


@pytest.mark.django_db
def test_button_is_shown_unless_the_tenant_turns_it_off(client, tenant):
    url = reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug})
    assert 'id="passkey-button"' in client.get(url).content.decode()
    tenant.passkey_button = False
    tenant.save(update_fields=["passkey_button"])
    assert 'id="passkey-button"' not in client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("private_cache")
def test_the_user_handle_counts_only_within_its_tenant(client, tenant, other_tenant):
    authenticator, done = register(client, tenant, "ada@example.com")
    assert done.status_code == 200, done.content
    # The same device offers the same passkey at another tenant (same RP ID): refused there.
    client.cookies.clear()
    elsewhere = sign_in(client, other_tenant, authenticator)
    assert elsewhere.status_code in (400, 403), elsewhere.content
    # At its own tenant the discoverable (username-less) sign-in works.
    client.cookies.clear()
    home = sign_in(client, tenant, authenticator)
    assert home.status_code == 200, home.content


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("private_cache")
def test_sign_in_with_a_passkey_button(page, public_live_server):
    from tests.idp.test_browser_signin import seed_passkey
    from tests.support.browser import add_virtual_authenticator

    tenant = factories.tenant(display_name="Acme Travel")
    user = factories.end_user(tenant=tenant, email="dee@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    cdp, authenticator_id = add_virtual_authenticator(page)
    page.goto(f"{public_live_server.url}/t/{tenant.slug}/sign-in/")
    # Let the autofill offer end on the empty device, then the passkey appears: the button
    # (not autofill, not the email path) signs in.
    page.locator("#signin[data-autofill=ended]").wait_for(state="attached")
    seed_passkey(cdp, authenticator_id, user)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    assert "dee@example.com" in page.content()
