"""Deliver an authorization response to the redirect URI: form_post, query or fragment."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse

from idp.framing import frame_for_tenant

FORM_POST = "form_post"
QUERY = "query"
FRAGMENT = "fragment"
RESPONSE_MODES = (FORM_POST, QUERY, FRAGMENT)


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL."""
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


@dataclass(frozen=True)
class Delivery:
    """An authorization response to send to the already-validated redirect URI."""

    tenant: object
    redirect_uri: str
    params: list[tuple[str, str]]
    mode: str

    def pairs(self) -> list[tuple[str, str]]:
        """The parameters, with RFC 9207 `iss` (always ours, never a caller's)."""
        pairs = [(k, v) for k, v in self.params if k != "iss" and v is not None]
        pairs.append(("iss", self.tenant.issuer))
        return pairs

    def location(self) -> str:
        """The redirect URL of the query and fragment modes."""
        if self.mode == FRAGMENT:
            return f"{self.redirect_uri.split('#', 1)[0]}#{urlencode(self.pairs())}"
        separator = "&" if urlsplit(self.redirect_uri).query else "?"
        if self.redirect_uri.endswith("?"):
            separator = ""
        return f"{self.redirect_uri}{separator}{urlencode(self.pairs())}"

    def response(self, request) -> HttpResponse:
        """The HTTP answer: the auto-submitting form_post page, or a redirect."""
        if self.mode != FORM_POST:
            return harden(_Redirect(self.location()))
        body = render_to_string(
            "idp/oidc_form_post.html",
            {
                "action": self.redirect_uri,
                "params": self.pairs(),
                "script_url": reverse(
                    "idp:oidc-form-post-js", kwargs={"tenant_slug": self.tenant.slug}
                ),
            },
            request=request,
        )
        page = harden(HttpResponse(body), form_action=origin_of(self.redirect_uri))
        # The last page of a sign-in run in a tenant's allowed frame must load in it too.
        return frame_for_tenant(page, self.tenant)

    def for_script(self) -> dict:
        """The answer for the sign-in page's script, which posts or navigates itself (its
        page allows forms to this redirect URI's origin)."""
        if self.mode == FORM_POST:
            return {"form_post": {"action": self.redirect_uri, "params": self.pairs()}}
        return {"redirect": self.location()}


def deliver(*, request, tenant, redirect_uri: str, params: list[tuple[str, str]], mode: str):
    """Send response parameters (plus RFC 9207 `iss`) to the already-validated redirect URI."""
    return Delivery(tenant, redirect_uri, params, mode).response(request)


FORM_POST_JS = (
    "document.addEventListener('DOMContentLoaded',function(){"
    "var f=document.getElementById('oidc-response');if(f){f.submit();}});\n"
)
