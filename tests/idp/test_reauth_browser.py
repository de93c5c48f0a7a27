"""Issue 11 item 7 in Chromium: a link to authorize?prompt=login from any site does not sign
the user out; the existing sign-in stays until the new passkey sign-in succeeds."""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from idp.session import SESSION_KEY
from tests import factories
from tests.idp.oidc_support import make_rp, oidc_tenant, query_of, sign_in
from tests.idp.signin_support import private_cache  # noqa: F401
from tests.idp.test_browser_signin import seed_passkey
from tests.security.support import idp_url, redeem
from tests.support.sites import QuietPage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]

EVIL = "https://evil.example"


class _RP(QuietPage):
    """The relying party's redirect URI (a real server: the browser follows our redirect)."""

    arrived: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server naming
        type(self).arrived.append(self.path)
        body = b"<!doctype html><p id=rp>the RP</p>"
        self.html(body)


@pytest.fixture
def rp_site():
    arrived: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("RP", (_RP,), {"arrived": arrived}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/cb", arrived
    server.shutdown()
    server.server_close()


def test_prompt_login_link_keeps_the_sign_in_until_the_new_one(page, public_live_server, rp_site):
    from tests.support.browser import add_virtual_authenticator

    server = public_live_server.url
    rp = make_rp(oidc_tenant(), redirect_uri=rp_site[0])
    tenant = rp.tenant
    ada = factories.end_user(
        tenant=tenant, email="ada@example.com", email_verified_at=timezone.now()
    )
    # Ada signed in an hour ago (auth_time), in this browser.
    client = Client()
    sign_in(client, tenant, ada)
    session = client.session
    record = session[SESSION_KEY][str(tenant.pk)]
    record["auth_time"] -= 3600
    session[SESSION_KEY] = {str(tenant.pk): record}
    session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server}])

    authorize = (
        server
        + idp_url(tenant, "oidc-authorize")
        + "?"
        + urlencode(
            {
                "client_id": rp.client_id,
                "redirect_uri": rp.redirect_uri,
                "response_type": "code",
                "response_mode": "query",
                "scope": "openid",
                "state": "st-7",
                "nonce": "n-7",
                "prompt": "login",
            }
        )
    )
    arrived = rp_site[1]
    page.route(
        f"{EVIL}/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body=f'<!doctype html><a id="go" href="{authorize}">Win a prize</a>',
        ),
    )
    cdp, authenticator_id = add_virtual_authenticator(page)

    # Another site links to authorize?prompt=login: the sign-in page appears...
    page.goto(f"{EVIL}/")
    page.click("#go")
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/authorize\?.*"))
    page.locator("#signin").wait_for(state="attached")
    sign_in_page = page.url
    page.locator("#signin[data-autofill=ended]").wait_for(state="attached")
    # ...but Ada is still signed in: her account page opens (in another tab, same browser).
    other = page.context.new_page()
    other.goto(server + idp_url(tenant, "account"))
    assert other.url.endswith(idp_url(tenant, "account"))
    assert "ada@example.com" in other.content()
    other.close()

    # The new passkey sign-in succeeds, and the authorization request goes through with it.
    seed_passkey(cdp, authenticator_id, ada)
    assert page.url == sign_in_page
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(rp.redirect_uri) + r"\?.*"))
    params = query_of(arrived[-1])
    assert params["state"] == "st-7"
    id_token = redeem(Client(), rp, params["code"]).json()["id_token"]
    payload = id_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == ada.subject
    assert claims["auth_time"] > record["auth_time"] + 3000
