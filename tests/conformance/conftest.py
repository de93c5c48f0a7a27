"""The OP under test (a tenant with OIDC on, its clients, one end user with a passkey) and
helpers to run OIDF OP test plan modules against it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from tenants.models import RedirectURL, Tenant
from tests import factories
from tests.conformance.rp import PLANS, Outcome, Plan, RelyingParty, Request
from tests.conformance.user_agent import Arrival, Browser
from tests.idp.oidc_support import add_secret
from tests.idp.signin_support import register
from tests.support.soft_webauthn import SoftAuthenticator

REDIRECT_URI = "https://rp.example.com/cb"
POST_LOGOUT_URI = "https://rp.example.com/post_logout_redirect"
EMAIL = "buffy@example.com"


def plans(*groups: str):
    """Parametrize a module's test over plan variants: "basic" also runs it as Form Post
    basic, "implicit" also as Form Post implicit."""
    names = []
    for group in groups:
        names += [group, f"formpost-{group}"]
    return pytest.mark.parametrize("plan", [PLANS[n] for n in names], ids=names)


@dataclass
class OP:
    """The product as the OIDF suite sees it: an issuer, a static client, a user."""

    tenant: Tenant
    plan: Plan
    rp: RelyingParty
    authenticator: SoftAuthenticator
    email: str

    def browser(self) -> Browser:
        """A fresh browser profile (no cookies) holding the user's passkey."""
        return Browser(self.tenant.slug, self.authenticator, self.email)

    def authorize(self, browser: Browser, *, method="GET", sign_in=True, **kwargs):
        """Send the browser to the authorization endpoint; returns (request, arrival)."""
        request = self.rp.request(**kwargs)
        if method == "POST":
            url, _, _ = request.url.partition("?")
            arrival = browser.go(url, method="POST", data=dict(request.params), sign_in=sign_in)
        else:
            arrival = browser.go(request.url, sign_in=sign_in)
        return request, arrival

    def login(self, browser: Browser, **kwargs) -> tuple[Request, Arrival, Outcome]:
        """A complete successful authorization (signing in if the OP asks)."""
        request, arrival = self.authorize(browser, **kwargs)
        return request, arrival, self.rp.complete(arrival, request)

    def rp_for(self, client, secret="", **kwargs) -> RelyingParty:
        return RelyingParty(
            issuer=self.tenant.issuer,
            client_id=client.client_id,
            secret=secret,
            redirect_uri=REDIRECT_URI,
            plan=self.plan,
            **kwargs,
        )


def make_client(tenant, plan: Plan):
    """A static client registered as the suite asks: redirect URI plus post-logout URI."""
    client = factories.client(
        tenant=tenant,
        redirect_urls=(REDIRECT_URI,),
        response_type=plan.response_type,
        response_mode=plan.client_mode,
    )
    RedirectURL.objects.create(
        tenant=tenant, client=client, url=POST_LOGOUT_URI, kind=RedirectURL.LOGOUT
    )
    secret = add_secret(client) if plan.code_flow else ""
    return client, secret


@pytest.fixture
def plan():
    """Modules not parametrized over plans run as the Basic plan."""
    return PLANS["basic"]


@pytest.fixture
def op(db, plan, settings) -> OP:
    tenant = factories.tenant()
    Tenant.objects.filter(pk=tenant.pk).update(oidc_enabled=True)
    tenant.refresh_from_db()
    client, secret = make_client(tenant, plan)
    email = f"buffy-{uuid.uuid4().hex[:8]}@example.com"
    authenticator = SoftAuthenticator()
    # The end user signs up through the real pages (email code, then passkey registration).
    _, done = register(
        Client(), tenant, email, authenticator, names={"given_name": "Buffy", "family_name": "S"}
    )
    assert done.status_code == 200, done.content
    rp = RelyingParty(
        issuer=tenant.issuer,
        client_id=client.client_id,
        secret=secret,
        redirect_uri=REDIRECT_URI,
        plan=plan,
    )
    return OP(tenant=tenant, plan=plan, rp=rp, authenticator=authenticator, email=email)
