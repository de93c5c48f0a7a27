"""Issue 11 item 11: a tenant's sign-in pages may be framed by exactly its listed embedding
origins; every other page, and every other tenant's, keeps frame-ancestors 'none' and DENY."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from tenants.models import Tenant
from tests import factories
from tests.idp.oidc_support import authorize_path, make_rp, oidc_tenant, sign_in
from tests.idp.signin_support import url
from tests.security.test_csp import directives

pytestmark = pytest.mark.django_db

EMBEDDERS = ["https://shop.example", "http://localhost:8001"]


def _allowing():
    tenant = oidc_tenant()
    Tenant.objects.filter(pk=tenant.pk).update(iframe_origins=EMBEDDERS)
    tenant.refresh_from_db()
    return tenant


def _frameable_by(response) -> list[str]:
    assert "X-Frame-Options" not in response, response["X-Frame-Options"]
    return directives(response["Content-Security-Policy"])["frame-ancestors"]


def _denied(response) -> bool:
    ancestors = directives(response["Content-Security-Policy"])["frame-ancestors"]
    return ancestors == ["'none'"] and response["X-Frame-Options"] == "DENY"


def test_the_sign_in_pages_of_an_allowing_tenant_name_exactly_its_embedders():
    tenant = _allowing()
    client = Client()
    page = client.get(url("sign-in", tenant))
    assert page.status_code == 200
    assert _frameable_by(page) == EMBEDDERS
    # The ceremony endpoints and the other sign-in steps alike.
    options = client.post(url("signin-options", tenant), "{}", content_type="application/json")
    assert options.status_code == 200
    assert _frameable_by(options) == EMBEDDERS
    assert _frameable_by(client.get(url("signin-recover", tenant))) == EMBEDDERS
    user = factories.end_user(tenant=tenant, email_verified_at=timezone.now())
    sign_in(client, tenant, user)
    account = client.get(url("account", tenant))
    assert account.status_code == 200
    assert _frameable_by(account) == EMBEDDERS
    # The rest of the policy is the product's.
    policy = directives(page["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["default-src"] == ["'self'"]


def test_by_default_and_for_other_tenants_nothing_may_frame_the_pages():
    _allowing()
    for tenant in (oidc_tenant(), factories.tenant()):
        assert _denied(Client().get(url("sign-in", tenant)))
        assert _denied(Client().get(url("signin-recover", tenant)))


def test_portal_pages_stay_unframeable_whatever_a_tenant_allows():
    tenant = _allowing()
    admin = factories.membership(tenant=tenant, role="read_write").user
    client = Client()
    client.force_login(admin, backend="accounts.backends.PortalUserBackend")
    for path in ("/portal/", f"/portal/tenants/{tenant.slug}/settings/", "/portal/sign-in/"):
        response = client.get(path)
        assert directives(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"


def test_the_form_post_page_loads_in_the_allowed_frame_too():
    tenant = _allowing()
    rp = make_rp(tenant)
    user = factories.end_user(tenant=tenant, email_verified_at=timezone.now())
    client = Client()
    sign_in(client, tenant, user)
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "state": "s",
        "nonce": "n",
        "response_mode": "form_post",
    }
    page = client.get(f"{authorize_path(tenant)}?{urlencode(params)}")
    assert page.status_code == 200
    assert _frameable_by(page) == EMBEDDERS
    # Its form-action is still the relying party's origin only.
    assert directives(page["Content-Security-Policy"])["form-action"] == ["https://rp.example.com"]
    error = client.get(f"{authorize_path(tenant)}?client_id=nope")
    assert _denied(error)
