"""The measured scenarios; each returns a zero-argument callable."""

from __future__ import annotations

from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.passkeys import webauthn as wa
from accounts.passkeys.challenges import challenge_issue
from accounts.passkeys.realm import portal_realm
from tenants.models import ClientSecret
from tenants.oidc.client_secrets import client_secret_match, secret_digest, secret_generate
from tests import factories
from tests.support.soft_webauthn import SoftAuthenticator


def _client_secret_check():
    tenant = factories.tenant(slug="bench-secret")
    rp = factories.client(tenant=tenant)
    secret = secret_generate()
    ClientSecret.objects.create(
        tenant=tenant, client=rp, name="bench", digest=secret_digest(secret), hint=secret[-4:]
    )

    def run():
        assert client_secret_match(client=rp, secret=secret) is not None

    return run


def _webauthn_assertion_verify():
    rp = portal_realm().rp
    authenticator = SoftAuthenticator()
    handle = b"u" * 32
    _, challenge = challenge_issue(ceremony="register", realm="bench")
    options = wa.registration_options(
        rp=rp,
        user_handle=handle,
        email="a@example.com",
        display_name="A",
        exclude=[],
        challenge=challenge,
    )
    registered = wa.verify_registration(
        rp=rp, response=authenticator.create(options, rp.origins[0]), challenge=challenge
    )

    def run():
        _, auth_challenge = challenge_issue(ceremony="authenticate", realm="bench")
        request = wa.authentication_options(rp=rp, allow=[], challenge=auth_challenge)
        response = authenticator.get(request, rp.origins[0])
        asserted = wa.parse_assertion(response)
        wa.verify_assertion(
            rp=rp, asserted=asserted, challenge=auth_challenge, public_key=registered.public_key
        )

    return run


def _get(name: str, **kwargs):
    try:
        url = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None
    http = Client()

    def run():
        assert http.get(url).status_code == 200

    return run


def _code_flow(tenant):
    from tests.idp.oidc_support import make_rp, query_of, sign_in

    rp = make_rp(tenant)
    user = factories.end_user(tenant=tenant, email="bench@example.com")
    http = Client()
    sign_in(http, tenant, user)
    authorize = reverse("idp:oidc-authorize", kwargs={"tenant_slug": tenant.slug})
    token = reverse("idp:oidc-token", kwargs={"tenant_slug": tenant.slug})
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "s",
        "nonce": "n",
        "response_mode": "query",
    }

    def run():
        response = http.get(authorize, params)
        code = query_of(response["Location"])["code"]
        exchanged = http.post(
            token,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": rp.redirect_uri,
                "client_id": rp.client_id,
                "client_secret": rp.secret,
            },
        )
        assert exchanged.status_code == 200, exchanged.content

    return run


def build():
    """(label, callable) pairs for every scenario available in this tree."""
    tenant = factories.tenant(slug="bench", oidc_enabled=True)
    scenarios = [
        ("client secret check (digest, constant time)", _client_secret_check()),
        ("WebAuthn options + assertion verify (ES256)", _webauthn_assertion_verify()),
        ("GET discovery document", _get("idp:oidc-discovery", tenant_slug=tenant.slug)),
        ("GET JWKS", _get("idp:oidc-jwks", tenant_slug=tenant.slug)),
        ("authorize + token exchange (client_secret_post)", _code_flow(tenant)),
    ]
    return [(label, fn) for label, fn in scenarios if fn is not None]
