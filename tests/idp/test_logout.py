"""Issue 11 item 1: RP-Initiated Logout accepts the RP's POST; the confirmation is CSRF-safe."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from idp.session import enduser_current
from tenants.models import RedirectURL
from tests import factories
from tests.idp.oidc_support import make_rp, oidc_tenant
from tests.security.support import code_flow, idp_url

pytestmark = pytest.mark.django_db

BYE = "https://rp.example.com/bye"
RP_ORIGIN = "https://rp.example.com"


@pytest.fixture
def rp():
    rp = make_rp(oidc_tenant())
    RedirectURL.objects.create(tenant=rp.tenant, client=rp.client, kind=RedirectURL.LOGOUT, url=BYE)
    return rp


@pytest.fixture
def user(rp):
    return factories.end_user(tenant=rp.tenant, email_verified_at=timezone.now())


@pytest.fixture
def browser():
    """A test client that enforces CSRF like a real browser session does."""
    return Client(enforce_csrf_checks=True)


def signed_in(client, rp) -> bool:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = client.session
    return enduser_current(request, tenant=rp.tenant) is not None


def test_the_rps_cross_site_post_with_a_hint_signs_out(browser, rp, user):
    id_token = code_flow(browser, rp, user).id_token
    assert signed_in(browser, rp)
    response = browser.post(
        idp_url(rp.tenant, "oidc-logout"),
        {"id_token_hint": id_token, "post_logout_redirect_uri": BYE, "state": "s1"},
        HTTP_ORIGIN=RP_ORIGIN,
    )
    assert response.status_code == 302
    assert response["Location"] == BYE + "?state=s1"
    assert not signed_in(browser, rp)


def test_the_rps_post_without_a_hint_asks_the_user(browser, rp, user):
    code_flow(browser, rp, user)
    response = browser.post(
        idp_url(rp.tenant, "oidc-logout"),
        {"client_id": rp.client_id, "post_logout_redirect_uri": BYE, "state": "s1"},
        HTTP_ORIGIN=RP_ORIGIN,
    )
    assert response.status_code == 200
    assert b"Sign out?" in response.content
    assert signed_in(browser, rp)


def test_a_cross_site_confirmation_without_our_token_is_refused(browser, rp, user):
    """Another site cannot sign the user out by posting confirm=yes itself."""
    code_flow(browser, rp, user)
    response = browser.post(
        idp_url(rp.tenant, "oidc-logout"),
        {"confirm": "yes", "client_id": rp.client_id},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert signed_in(browser, rp)


def test_the_confirmation_page_lets_the_browser_send_its_origin(browser, rp, user):
    code_flow(browser, rp, user)
    params = {"client_id": rp.client_id, "post_logout_redirect_uri": BYE, "state": "s1"}
    page = browser.get(idp_url(rp.tenant, "oidc-logout"), params)
    assert page.status_code == 200
    # Under no-referrer Chromium would post Origin: null; same-origin sends ours and no
    # Referer to any other origin.
    assert page["Referrer-Policy"] == "same-origin"
    assert b'content="no-referrer"' not in page.content  # a <meta> would override the header
    csp = page["Content-Security-Policy"]
    assert "form-action 'self' https://rp.example.com;" in csp
    token = browser.cookies["csrftoken"].value
    origin = "http://testserver"
    # Origin: null (what no-referrer caused) stays refused: the CSRF check is not weakened.
    refused = browser.post(
        idp_url(rp.tenant, "oidc-logout"),
        {"confirm": "yes", "csrfmiddlewaretoken": token, **params},
        HTTP_ORIGIN="null",
    )
    assert refused.status_code == 403 and signed_in(browser, rp)
    done = browser.post(
        idp_url(rp.tenant, "oidc-logout"),
        {"confirm": "yes", "csrfmiddlewaretoken": token, **params},
        HTTP_ORIGIN=origin,
    )
    assert done.status_code == 302 and done["Location"] == BYE + "?state=s1"
    assert not signed_in(browser, rp)
