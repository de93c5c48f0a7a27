"""Issue 11 item 1 in Chromium: "Sign out" on the confirmation page really signs out, and an
RP's own logout form (a cross-site POST) works."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tenants.models import RedirectURL
from tests import factories
from tests.idp.oidc_support import make_rp, oidc_tenant
from tests.security.support import code_flow, idp_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RP = "https://rp.example.com"
BYE = f"{RP}/bye"


@pytest.fixture
def setup(public_live_server, page):
    rp = make_rp(oidc_tenant())
    RedirectURL.objects.create(tenant=rp.tenant, client=rp.client, kind=RedirectURL.LOGOUT, url=BYE)
    user = factories.end_user(tenant=rp.tenant, email_verified_at=timezone.now())
    client = Client()
    tokens = code_flow(client, rp, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": public_live_server.url}]
    )
    posts = []
    page.on(
        "request",
        lambda r: posts.append(r.headers.get("origin")) if r.method == "POST" else None,
    )
    # The RP's site, served by the test: its logout form and its post-logout page.
    form = (
        f'<!doctype html><form method="post" action="{public_live_server.url}'
        f'{idp_url(rp.tenant, "oidc-logout")}"><input type="hidden" name="id_token_hint" '
        f'value="{tokens.id_token}"><input type="hidden" name="post_logout_redirect_uri" '
        f'value="{BYE}"><input type="hidden" name="state" value="rp-state">'
        "<button>Log out of the RP</button></form>"
    )

    def rp_site(route):
        body = form if route.request.url.startswith(f"{RP}/logout") else "<p id=bye>bye</p>"
        route.fulfill(status=200, content_type="text/html", body=body)

    page.route(f"{RP}/**", rp_site)
    return rp, public_live_server.url, posts


def still_signed_in(page, server, rp) -> bool:
    page.goto(server + idp_url(rp.tenant, "account"))
    return "/sign-in/" not in page.url


def test_sign_out_on_the_confirmation_page_signs_out(setup, page):
    rp, server, posts = setup
    assert still_signed_in(page, server, rp)
    query = f"client_id={rp.client_id}&post_logout_redirect_uri={BYE}&state=st-1"
    page.goto(f"{server}{idp_url(rp.tenant, 'oidc-logout')}?{query}")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{BYE}?state=st-1")
    assert page.locator("#bye").is_visible()
    # Chromium sent our real origin, not `null`, so the CSRF check could pass.
    assert posts == [server]
    assert not still_signed_in(page, server, rp)


def test_the_rps_logout_form_posts_cross_site_and_signs_out(setup, page):
    rp, server, posts = setup
    assert still_signed_in(page, server, rp)
    page.goto(f"{RP}/logout")
    page.get_by_role("button", name="Log out of the RP").click()
    page.wait_for_url(f"{BYE}?state=rp-state")
    # https RP → http test server: Chromium even sends `Origin: null`; an RP's post needs none.
    assert len(posts) == 1
    assert not still_signed_in(page, server, rp)
