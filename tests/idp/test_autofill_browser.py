"""Passkey autofill in Chromium takes the options the page came with: no options request."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from tests import factories
from tests.idp.signin_support import private_cache  # noqa: F401
from tests.idp.test_browser_signin import seed_passkey

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]


def test_autofill_signs_in_with_the_page_s_own_options(page, public_live_server):
    from tests.support.browser import add_virtual_authenticator

    tenant = factories.tenant()
    user = factories.end_user(tenant=tenant, email="cy@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    cdp, authenticator_id = add_virtual_authenticator(page)
    seed_passkey(cdp, authenticator_id, user)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{public_live_server.url}/t/{tenant.slug}/sign-in/")
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    assert "cy@example.com" in page.content()
    assert [u.split(tenant.slug)[1] for u in posts] == ["/sign-in/passkey/verify/"]


def test_after_autofill_ends_the_email_path_asks_for_fresh_options(page, public_live_server):
    from tests.support.browser import add_virtual_authenticator

    tenant = factories.tenant()
    user = factories.end_user(tenant=tenant, email="bo@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    cdp, authenticator_id = add_virtual_authenticator(page)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{public_live_server.url}/t/{tenant.slug}/sign-in/")
    # The empty device ends the autofill offer (it used the page's options); then a passkey.
    page.locator("#signin[data-autofill=ended]").wait_for(state="attached")
    assert posts == []
    seed_passkey(cdp, authenticator_id, user)
    page.get_by_label("Email").fill("bo@example.com")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    assert [u.split(tenant.slug)[1] for u in posts] == [
        "/sign-in/passkey/options/",
        "/sign-in/passkey/verify/",
    ]
