"""Deliver an authorization response to the redirect URI: form_post, query or fragment."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse

from idp.framing import frame_for_tenant

FORM_POST = "form_post"
QUERY = "query"
FRAGMENT = "fragment"
RESPONSE_MODES = (FORM_POST, QUERY, FRAGMENT)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def harden(
    response: HttpResponse, *, form_action: str | None = None, referrer: str = "no-referrer"
) -> HttpResponse:
    """Headers for every authorize response: no framing, no referrer, no caching.

    The product's one CSP is set by config.csp; only the forms' target (form-action) differs.
    """
    response.csp = {"form-action": (form_action or "'none'").split()}
    response["Referrer-Policy"] = referrer
    response["X-Frame-Options"] = "DENY"
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


class _Redirect(HttpResponseRedirect):
    # Registered redirect URIs may use any scheme the admin accepted; they are exact matches.
    allowed_schemes = ["http", "https"]


def deliver(*, request, tenant, redirect_uri: str, params: list[tuple[str, str]], mode: str):
    """Send response parameters (plus RFC 9207 `iss`) to the already-validated redirect URI."""
    params = [(k, v) for k, v in params if k != "iss" and v is not None]
    params.append(("iss", tenant.issuer))
    if mode == FORM_POST:
        body = render_to_string(
            "idp/oidc_form_post.html",
            {
                "action": redirect_uri,
                "params": params,
                "script_url": reverse("idp:oidc-form-post-js", kwargs={"tenant_slug": tenant.slug}),
            },
            request=request,
        )
        page = harden(HttpResponse(body), form_action=_origin(redirect_uri))
        # The last page of a sign-in run in a tenant's allowed frame must load in it too.
        return frame_for_tenant(page, tenant)
    if mode == FRAGMENT:
        base = redirect_uri.split("#", 1)[0]
        return harden(_Redirect(f"{base}#{urlencode(params)}"))
    separator = "&" if urlsplit(redirect_uri).query else "?"
    if redirect_uri.endswith("?"):
        separator = ""
    return harden(_Redirect(f"{redirect_uri}{separator}{urlencode(params)}"))


FORM_POST_JS = (
    "document.addEventListener('DOMContentLoaded',function(){"
    "var f=document.getElementById('oidc-response');if(f){f.submit();}});\n"
)
