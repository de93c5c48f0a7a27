"""Issue 11 item 11 in Chromium: a tenant's sign-in page inside a real cross-origin iframe.

The embedder is another origin on the same host (http://localhost:<other port>): cross-origin
but same-site, so the page's SameSite=Lax cookies still work inside the frame.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import ThreadingHTTPServer

import pytest
from django.core import mail

from accounts.models import User, WebAuthnCredential
from tenants.models import Tenant
from tests import factories
from tests.idp.signin_support import private_cache  # noqa: F401
from tests.support.sites import QuietPage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]

ALLOW = "publickey-credentials-get *; publickey-credentials-create *"


class _Embedder(QuietPage):
    """A page of another site's that frames the URL given as its path's query."""

    frame_src = ""
    allow = ALLOW

    def do_GET(self):  # noqa: N802 - http.server naming
        allow = f' allow="{self.allow}"' if self.allow else ""
        body = (
            f'<!doctype html><title>Shop</title><h1>Shop</h1><iframe id="signin"{allow} '
            f'width="600" height="700" src="{self.frame_src}"></iframe>'
        ).encode()
        self.html(body)


@pytest.fixture
def embedder():
    """(origin, set_frame): the embedding site on another port of localhost."""
    handler = type("Embedder", (_Embedder,), {"frame_src": ""})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def set_frame_src(src: str, allow: str = ALLOW) -> None:
        handler.frame_src = src
        handler.allow = allow

    yield f"http://localhost:{server.server_address[1]}", set_frame_src
    server.shutdown()
    server.server_close()


def _code(email):
    body = [m for m in mail.outbox if email in m.to][-1].body
    return re.search(r"code: (\d{6})", body).group(1)


def _sign_up_in_frame(page, frame, email: str) -> None:
    """Sign up inside the frame: email, emailed code; the passkey is created on the same page."""
    frame.get_by_label("Email").fill(email)
    frame.get_by_role("button", name="Continue").click()
    frame.locator("#step-signup").wait_for(state="visible")
    frame.get_by_role("button", name="Email me a code").click()
    frame.locator("#step-code").wait_for(state="visible")
    frame.get_by_label("Code").fill(_code(email))
    frame.get_by_role("button", name="Verify").click()


def _client_data_of(posted: list) -> list[dict]:
    """The clientData Chromium wrote into each posted credential."""
    found = []
    for body in posted:
        encoded = body["credential"]["response"]["clientDataJSON"]
        found.append(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))
    return found


def _watch_ceremonies(page) -> list:
    posted: list = []

    def on_request(request):
        if request.method == "POST" and re.search(r"/(register|passkey)/verify/$", request.url):
            posted.append(json.loads(request.post_data))

    page.on("request", on_request)
    return posted


def test_register_and_sign_in_inside_an_allowed_cross_origin_frame(
    page, public_live_server, embedder
):
    from tests.support.browser import add_virtual_authenticator, get_credentials

    top_origin, set_frame_src = embedder
    tenant = factories.tenant(display_name="Acme Travel")
    Tenant.objects.filter(pk=tenant.pk).update(iframe_origins=[top_origin])
    sign_in_url = f"{public_live_server.url}/t/{tenant.slug}/sign-in/"
    set_frame_src(sign_in_url)
    cdp, authenticator_id = add_virtual_authenticator(page)
    posted = _watch_ceremonies(page)

    page.goto(f"{top_origin}/")
    frame = page.frame_locator("#signin")
    frame.locator("#tenant-name").wait_for()
    _sign_up_in_frame(page, frame, "ada@example.com")
    frame.locator("tr.passkey").wait_for()
    inner = page.frame(url=re.compile(rf".*/t/{tenant.slug}/account/$"))
    assert inner is not None and page.url == f"{top_origin}/"
    user = User.objects.for_tenant(tenant).get(email="ada@example.com")
    assert WebAuthnCredential.objects.filter(user=user).count() == 1
    assert len(get_credentials(cdp, authenticator_id)) == 1

    # A new visit (no session cookie): the passkey on the device answers the page's autofill
    # request at once (the virtual authenticator needs no touch), signing in inside the frame.
    page.context.clear_cookies()
    page.goto(f"{top_origin}/")
    frame.locator("tr.passkey").wait_for()
    assert WebAuthnCredential.objects.get(user=user).last_used_at is not None

    # What Chromium really wrote: a cross-origin ceremony naming the embedder as topOrigin.
    created, asserted = _client_data_of(posted)
    assert created["type"] == "webauthn.create" and asserted["type"] == "webauthn.get"
    for data in (created, asserted):
        assert data["crossOrigin"] is True
        assert data["topOrigin"] == top_origin
        assert data["origin"] == public_live_server.url


def test_a_tenant_that_does_not_allow_the_embedder_is_not_shown_in_its_frame(
    page, public_live_server, embedder
):
    top_origin, set_frame_src = embedder
    allowing_another = factories.tenant()
    Tenant.objects.filter(pk=allowing_another.pk).update(iframe_origins=["https://shop.example"])
    for tenant in (allowing_another, factories.tenant()):
        src = f"{public_live_server.url}/t/{tenant.slug}/sign-in/"
        set_frame_src(src)
        with page.expect_response(src) as answered:
            page.goto(f"{top_origin}/")
        page.wait_for_load_state("load")
        policy = answered.value.headers["content-security-policy"]
        assert top_origin not in policy
        # Chromium refuses to show the page (frame-ancestors): an error page, no sign-in form.
        child = page.frames[1]
        assert child.url.startswith("chrome-error://"), child.url
        assert child.locator("#tenant-name").count() == 0


def test_without_the_iframe_allow_attribute_the_browser_refuses_the_passkey(
    page, public_live_server, embedder
):
    from tests.support.browser import add_virtual_authenticator, get_credentials

    top_origin, set_frame_src = embedder
    tenant = factories.tenant()
    Tenant.objects.filter(pk=tenant.pk).update(iframe_origins=[top_origin])
    set_frame_src(f"{public_live_server.url}/t/{tenant.slug}/sign-in/", allow="")
    cdp, authenticator_id = add_virtual_authenticator(page)
    page.goto(f"{top_origin}/")
    frame = page.frame_locator("#signin")
    _sign_up_in_frame(page, frame, "bo@example.com")
    # The frame's permissions policy blocks WebAuthn; the page says so in plain words.
    frame.get_by_text("The passkey was not created").wait_for()
    assert get_credentials(cdp, authenticator_id) == []
    assert not WebAuthnCredential.objects.filter(user__tenant=tenant).exists()


def test_a_cross_site_frame_gets_no_cookies_so_sign_in_cannot_proceed(
    page, public_live_server, embedder
):
    """What the admin guide warns about: 127.0.0.1 and localhost are different sites, and a
    cross-site frame neither sends nor stores the SameSite=Lax CSRF and session cookies."""
    from tests.support.browser import add_virtual_authenticator

    same_site_origin, set_frame_src = embedder
    top_origin = same_site_origin.replace("//localhost:", "//127.0.0.1:")
    tenant = factories.tenant()
    # Straight to the row: the setting refuses IP addresses, the one other site we have here.
    Tenant.objects.filter(pk=tenant.pk).update(iframe_origins=[top_origin])
    set_frame_src(f"{public_live_server.url}/t/{tenant.slug}/sign-in/")
    add_virtual_authenticator(page)
    page.goto(f"{top_origin}/")
    frame = page.frame_locator("#signin")
    frame.get_by_label("Email").fill("cy@example.com")
    frame.get_by_role("button", name="Continue").click()
    frame.get_by_text("Your session expired. Reload the page and try again.").wait_for()
    assert page.context.cookies() == []
