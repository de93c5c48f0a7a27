"""Passkeys on the customer's own domain, in Chromium behind a TLS proxy on loopback.

Chromium resolves *.test to the nginx proxy (host-resolver rules) and trusts its throwaway
certificate by public-key pin; the independent relying party (Authlib, requests) reaches the
same proxy through a name-resolution override for *.test in this process.
"""

from __future__ import annotations

import re
import secrets
import socket
import warnings

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core import mail
from django.utils import timezone

from tenants.domains.models import CustomDomain
from tenants.models import OIDCClient, Tenant
from tests.idp.oidc_support import make_rp, oidc_tenant, verify_id_token
from tests.idp.signin_support import private_cache  # noqa: F401
from tests.idp.test_browser_e2e import rp_callback as rp_callback_fixture
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, add_virtual_authenticator
from tests.support.tls_proxy import tls_proxy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
warnings.filterwarnings("ignore", module="authlib")

HOSTS = ["login.contoso.test", "www.contoso.test", "login.fabrikam.test"]


@pytest.fixture
def proxy(public_live_server, settings, monkeypatch):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    with tls_proxy(public_live_server.url, HOSTS) as running:
        real = socket.getaddrinfo

        def resolve(host, port, *args, **kwargs):
            if isinstance(host, str) and host.endswith(".test"):
                return real("127.0.0.1", running.port, *args, **kwargs)
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        yield running


rp_callback = rp_callback_fixture


@pytest.fixture
def domain_page(browser, proxy):
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + proxy.chromium_args()
    )
    context = chromium.new_context()
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()
    chromium.close()


def _verified(tenant, hostname):
    CustomDomain.objects.create(
        tenant=tenant, hostname=hostname, state="verified", verified_at=timezone.now()
    )


def _rp_on_custom_issuer(tenant, callback):
    rp = make_rp(tenant, redirect_uri=callback)
    OIDCClient.objects.filter(pk=rp.client.pk).update(use_custom_domain_issuer=True)
    return rp


def _session(rp, callback):
    return OAuth2Session(
        rp.client_id,
        rp.secret,
        scope="openid email",
        redirect_uri=callback,
        token_endpoint_auth_method="client_secret_post",
    )


def _authorize(page, session, discovery, received, callback, **params):
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], nonce=nonce, response_mode="form_post", **params
    )
    before = len(received)
    page.goto(url)
    return state, nonce, before


def _code(email):
    body = [m for m in mail.outbox if email in m.to][-1].body
    return re.search(r"(\d{6})", body).group(1)


def test_passkeys_on_a_custom_domain_with_a_parent_rp_id(domain_page, proxy, rp_callback):
    callback, received = rp_callback
    page = domain_page
    contoso = oidc_tenant(
        display_name="Contoso",
        signup_inputs={"given_name": "off", "family_name": "off", "nickname": "off"},
    )
    Tenant.objects.filter(pk=contoso.pk).update(
        webauthn_rp_id="contoso.test", related_origins=["https://www.contoso.test"]
    )
    _verified(contoso, "login.contoso.test")
    _verified(contoso, "www.contoso.test")
    fabrikam = oidc_tenant(display_name="Fabrikam")
    _verified(fabrikam, "login.fabrikam.test")
    rp = _rp_on_custom_issuer(contoso, callback)
    other_rp = _rp_on_custom_issuer(fabrikam, callback)

    base = "https://login.contoso.test"
    discovery = requests.get(f"{base}/.well-known/openid-configuration", verify=proxy.cert_path)
    discovery = discovery.json()
    assert discovery["issuer"] == base
    jwks = requests.get(discovery["jwks_uri"], verify=proxy.cert_path).json()
    session = _session(rp, callback)
    session.verify = str(proxy.cert_path)
    cdp, authenticator = add_virtual_authenticator(page)

    # Registration on https://login.contoso.test: the passkey's RP ID is contoso.test.
    state, nonce, before = _authorize(
        page, session, discovery, received, callback, login_hint="ada@example.com"
    )
    page.wait_for_url(re.compile(r"https://login\.contoso\.test/.*authorize\?.*"))
    page.locator("#signin[data-autofill=ended]").wait_for(state="attached")
    page.get_by_role("button", name="Continue").click()
    page.locator("#step-code, #step-signup").first.wait_for(state="visible")
    if page.locator("#step-signup").is_visible():
        page.get_by_role("button", name="Email me a code").click()
        page.locator("#step-code").wait_for(state="visible")
    page.get_by_label("Code").fill(_code("ada@example.com"))
    page.get_by_role("button", name="Verify").click()  # the passkey is created on this page
    page.wait_for_url(callback)
    fields = received[before]
    assert fields["iss"] == base
    token = session.fetch_token(
        discovery["token_endpoint"], code=fields["code"], state=state, verify=proxy.cert_path
    )
    claims = verify_id_token(
        jwks, token["id_token"], issuer=base, client_id=rp.client_id, nonce=nonce
    )
    assert claims["iss"] == "https://login.contoso.test"
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["rpId"] for c in stored["credentials"]] == ["contoso.test"]

    # Sign-in again on the same domain with that passkey (a fresh sign-in is asked for).
    state, nonce, before = _authorize(
        page, session, discovery, received, callback, prompt="login", login_hint="ada@example.com"
    )
    page.wait_for_url(callback)
    assert received[before]["iss"] == base

    # The related origin https://www.contoso.test signs in with the same passkey (autofill).
    page.context.clear_cookies()
    www = {**discovery, "authorization_endpoint": "https://www.contoso.test/authorize"}
    state, nonce, before = _authorize(
        page, session, www, received, callback, login_hint="ada@example.com"
    )
    page.wait_for_url(callback)
    assert received[before]["iss"] == "https://www.contoso.test"
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1

    # Another tenant's domain refuses it: its RP ID is login.fabrikam.test.
    page.context.clear_cookies()
    other = _session(other_rp, callback)
    other_discovery = requests.get(
        "https://login.fabrikam.test/.well-known/openid-configuration", verify=proxy.cert_path
    ).json()
    assert other_discovery["issuer"] == "https://login.fabrikam.test"
    state, nonce, before = _authorize(
        page, other, other_discovery, received, callback, login_hint="ada@example.com"
    )
    page.wait_for_url(re.compile(r"https://login\.fabrikam\.test/.*authorize\?.*"))
    page.locator("#signin[data-autofill=ended]").wait_for(state="attached")
    page.get_by_role("button", name="Continue").click()
    page.locator("[role=alert]:visible, #step-signup:visible, #step-code:visible").first.wait_for()
    assert len(received) == before
    # Even asked outright, the browser refuses contoso.test's passkey on fabrikam's origin.
    refused = page.evaluate(
        """async (id) => {
            const raw = Uint8Array.from(atob(id.replace(/-/g, '+').replace(/_/g, '/')),
                                        c => c.charCodeAt(0));
            try {
                await navigator.credentials.get({publicKey: {
                    challenge: new Uint8Array(32), rpId: 'contoso.test', timeout: 5000,
                    allowCredentials: [{type: 'public-key', id: raw}]}});
                return 'signed';
            } catch (e) { return e.name; }
        }""",
        stored["credentials"][0]["credentialId"],
    )
    assert refused == "SecurityError"
