"""Helpers for the OpenID Provider tests: tenants with OIDC on, clients, secrets, sign-ins."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from idp.session import enduser_sign_in
from tenants.models import ClientSecret, OIDCClient, Tenant
from tenants.oidc.client_secrets import secret_digest, secret_generate
from tests import factories

RP_CALLBACK = "https://rp.example.com/cb"


@dataclass
class RP:
    """A registered relying party and its plaintext secret."""

    tenant: Tenant
    client: OIDCClient
    secret: str
    redirect_uri: str

    @property
    def client_id(self) -> str:
        return self.client.client_id


def oidc_tenant(**fields) -> Tenant:
    """A tenant with Enable OIDC switched on."""
    tenant = factories.tenant(**fields)
    Tenant.objects.filter(pk=tenant.pk).update(oidc_enabled=True)
    tenant.refresh_from_db()
    return tenant


def add_secret(client: OIDCClient, **fields) -> str:
    """Store a new secret's digest for the client and return the plaintext."""
    plain = secret_generate()
    ClientSecret.objects.create(
        tenant=client.tenant,
        client=client,
        name=fields.pop("name", "test"),
        digest=secret_digest(plain),
        hint=plain[-4:],
        **fields,
    )
    return plain


def make_rp(tenant: Tenant, *, redirect_uri: str = RP_CALLBACK, response_type="code", **fields):
    """A relying party of the tenant (confidential with a secret for the code flow)."""
    client = factories.client(
        tenant=tenant, redirect_urls=(redirect_uri,), response_type=response_type, **fields
    )
    secret = add_secret(client) if response_type == "code" else ""
    return RP(tenant=tenant, client=client, secret=secret, redirect_uri=redirect_uri)


def signed_in_session_key(tenant, user, amr=("hwk", "user")) -> str:
    """A stored session in which `user` is signed in at `tenant` (through idp.session)."""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    enduser_sign_in(request, tenant=tenant, user=user, amr=list(amr))
    request.session.save()
    return request.session.session_key


def sign_in(client, tenant, user, amr=("hwk", "user")) -> None:
    """Sign the end user in at the tenant for a Django test client or a requests session."""
    key = signed_in_session_key(tenant, user, amr)
    cookie_name = settings.SESSION_COOKIE_NAME
    if hasattr(client, "cookies") and hasattr(client.cookies, "set"):
        client.cookies.set(cookie_name, key)
    else:
        client.cookies[cookie_name] = key


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize_path(tenant) -> str:
    return reverse("idp:oidc-authorize", kwargs={"tenant_slug": tenant.slug})


def token_path(tenant) -> str:
    return reverse("idp:oidc-token", kwargs={"tenant_slug": tenant.slug})


def redeem(client, rp: RP, code: str, **extra):
    """POST the code to the token endpoint with client_secret_post."""
    return client.post(
        token_path(rp.tenant),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "client_id": rp.client_id,
            "client_secret": rp.secret,
            **extra,
        },
    )


def query_of(url: str) -> dict:
    """Single-valued query parameters of a URL."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def fragment_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment, keep_blank_values=True).items()}


def form_post_fields(html: str) -> tuple[str, dict]:
    """(action, fields) of a form_post response page."""
    from html.parser import HTMLParser

    found: dict = {"action": None, "fields": {}}

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("id") == "oidc-response":
                found["action"] = attrs.get("action")
            if tag == "input" and attrs.get("type") == "hidden":
                found["fields"][attrs["name"]] = attrs.get("value", "")

    Parser().feed(html)
    return found["action"], found["fields"]


def verify_id_token(
    jwks: dict, token: str, *, issuer: str, client_id: str, nonce=None, implicit=False
) -> dict:
    """Verify an ID token as an independent RP would: joserfc signature check against the
    published JWKS (RS256/ES256 only), then Authlib's OIDC claim rules (iss, aud, exp, nonce)."""
    import warnings

    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.oidc.core import CodeIDToken, ImplicitIDToken

    decoded = jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256", "ES256"])
    kind = ImplicitIDToken if implicit else CodeIDToken
    options = {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True}}
    params = {"client_id": client_id, "nonce": nonce}
    claims = kind(decoded.claims, decoded.header, options, params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        claims.validate(leeway=5)
    return {"header": dict(decoded.header), **dict(claims)}


def sign_in_page(response) -> dict | None:
    """The sign-in page, as authorize shows it when a sign-in is needed (or its own URL):
    {"next", "login_hint", "tenant_slug"} read as the page's script reads them; else None."""
    import html
    import re

    content_type = response.headers.get("Content-Type", "")
    if response.status_code != 200 or not content_type.startswith("text/html"):
        return None
    text = response.content.decode(errors="replace")
    root = re.search(r'<div id="signin"([^>]*)>', text)
    if root is None:
        return None
    attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', root.group(1)))
    email = re.search(r'<input[^>]*\bid="email"[^>]*>', text)
    hint = re.search(r'\bvalue="([^"]*)"', email.group(0)) if email else None
    options_url = html.unescape(attrs["data-options-url"])
    return {
        "next": html.unescape(attrs.get("data-next", "")),
        "login_hint": html.unescape(hint.group(1)) if hint else "",
        "tenant_slug": (re.match(r"/t/([^/]+)/", options_url) or [None, ""])[1],
    }


def is_sign_in_page(response, tenant) -> bool:
    """Whether the response is `tenant`'s sign-in page."""
    page = sign_in_page(response)
    return page is not None and page["tenant_slug"] == tenant.slug
