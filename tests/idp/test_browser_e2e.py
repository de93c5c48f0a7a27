"""End to end in Chromium: an Authlib relying party, the real /authorize, passkey sign-up and
sign-in on the tenant's page, the code delivered by form_post, and the ID token checked."""

from __future__ import annotations

import re
import secrets
import threading
import warnings
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core import mail

from tests.idp.oidc_support import make_rp, oidc_tenant, verify_id_token
from tests.idp.signin_support import private_cache  # noqa: F401
from tests.support.sites import QuietPage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
warnings.filterwarnings("ignore", module="authlib")


class _Callback(QuietPage):
    """The relying party's redirect URI: records what the form_post delivers."""

    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server naming
        length = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(length).decode())
        type(self).received.append({k: v[0] for k, v in fields.items()})
        body = b"<!doctype html><title>RP</title><p id=rp-done>signed in at the RP</p>"
        self.html(body)


@pytest.fixture
def rp_callback() -> Iterator[tuple[str, list]]:
    """An independent HTTP server standing in for the relying party's callback."""
    received: list[dict] = []
    handler = type("Callback", (_Callback,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/cb", received
    server.shutdown()
    server.server_close()


def _code(email):
    body = [m for m in mail.outbox if email in m.to][-1].body
    return re.search(r"code: (\d{6})", body).group(1)


def _authorize_url(session, discovery, **params):
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], nonce=nonce, response_mode="form_post", **params
    )
    return url, state, nonce


def test_sign_up_then_sign_in_through_authorize_with_an_authlib_rp(
    page, public_live_server, rp_callback
):
    from tests.support.browser import add_virtual_authenticator

    callback, received = rp_callback
    tenant = oidc_tenant(
        display_name="Contoso Air",
        signup_inputs={"given_name": "required", "family_name": "required", "nickname": "off"},
    )
    rp = make_rp(tenant, redirect_uri=callback)
    server = public_live_server.url
    discovery = requests.get(f"{server}/t/{tenant.slug}/.well-known/openid-configuration").json()
    jwks = requests.get(discovery["jwks_uri"]).json()
    session = OAuth2Session(
        rp.client_id,
        rp.secret,
        scope="openid profile email",
        redirect_uri=callback,
        token_endpoint_auth_method="client_secret_post",
    )
    add_virtual_authenticator(page)

    # First visit: a new user signs up on the tenant's page.
    url, state, nonce = _authorize_url(session, discovery, login_hint="ada@example.com")
    page.goto(url)
    # The sign-in page, rendered by authorize itself.
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/authorize\?.*"))
    assert page.locator("#tenant-name").inner_text() == "Contoso Air"
    assert page.get_by_label("Email").input_value() == "ada@example.com"
    page.locator("#signin[data-autofill=ended]").wait_for(state="attached")
    page.get_by_role("button", name="Continue").click()
    page.locator("#step-signup").wait_for(state="visible")
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_role("button", name="Email me a code").click()
    page.locator("#step-code").wait_for(state="visible")
    page.get_by_label("Code").fill(_code("ada@example.com"))
    # The code's answer carries the creation options: the passkey is created on this page.
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(callback)
    assert len(received) == 1
    fields = received[0]
    assert fields["state"] == state and fields["iss"] == discovery["issuer"]
    token = session.fetch_token(discovery["token_endpoint"], code=fields["code"], state=state)
    first = verify_id_token(
        jwks, token["id_token"], issuer=discovery["issuer"], client_id=rp.client_id, nonce=nonce
    )
    assert first["email"] == "ada@example.com" and first["email_verified"] is True
    assert first["given_name"] == "Ada" and first["family_name"] == "Lovelace"
    assert "@" not in first["sub"]
    assert first["amr"] == ["hwk", "user", "mfa"]

    # Second visit, forcing a fresh sign-in: the passkey signs in (autofill), same sub.
    url, state, nonce = _authorize_url(session, discovery, prompt="login")
    authorize_hits = []
    page.on(
        "request",
        lambda r: authorize_hits.append(r.method) if "/authorize?" in r.url else None,
    )
    page.goto(url)
    page.wait_for_url(callback)
    assert len(received) == 2
    # verify handed back authorize's answer and the page posted it: no second authorize.
    assert authorize_hits == ["GET"]
    fields = received[1]
    assert fields["state"] == state
    token = session.fetch_token(discovery["token_endpoint"], code=fields["code"], state=state)
    second = verify_id_token(
        jwks, token["id_token"], issuer=discovery["issuer"], client_id=rp.client_id, nonce=nonce
    )
    assert second["sub"] == first["sub"]
    assert second["auth_time"] >= first["auth_time"]
    assert second["given_name"] == "Ada" and second["email"] == "ada@example.com"
