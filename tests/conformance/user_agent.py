"""The end user's browser: follows the IdP's redirects and signs in with a software passkey.

It speaks HTTP to the product through Django's test client with CSRF checks on, as the page's
script does: sign-in page → passkey options → authenticator → verify → back to authorize.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.idp.oidc_support import sign_in_page
from tests.support.soft_webauthn import SoftAuthenticator

REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Arrival:
    """Where a navigation ended: at the RP (redirect or form_post) or on an IdP page."""

    kind: str  # "redirect" (left the IdP by a redirect), "form_post", or "page"
    url: str
    response: object
    signed_in_here: bool = False
    fields: dict = field(default_factory=dict)  # form_post fields

    @property
    def query(self) -> dict:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def fragment(self) -> dict:
        return dict(parse_qsl(urlsplit(self.url).fragment, keep_blank_values=True))

    @property
    def text(self) -> str:
        return self.response.content.decode()


class _Forms(HTMLParser):
    """Every <form> of a page with its hidden and submit fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": attrs, "fields": {}})
        elif tag in ("input", "button") and self.forms and attrs.get("name"):
            if attrs.get("type", "submit" if tag == "button" else "text") in ("hidden", "submit"):
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def page_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """One browser profile (its own cookies) holding one passkey for `email`."""

    def __init__(self, tenant_slug: str, authenticator: SoftAuthenticator, email: str):
        parts = urlsplit(settings.PUBLIC_URL)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc
        self.secure = parts.scheme == "https"
        self.client = Client(enforce_csrf_checks=True)
        self.slug = tenant_slug
        self.authenticator = authenticator
        self.email = email
        self.sign_in_pages = 0  # how often the sign-in page was shown

    @property
    def sign_in_path(self) -> str:
        return reverse("idp:sign-in", kwargs={"tenant_slug": self.slug})

    def _local(self, url: str) -> str:
        absolute = urljoin(self.origin + "/", url)
        assert absolute.startswith(self.origin + "/"), absolute
        parts = urlsplit(absolute)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _csrf(self) -> str:
        cookie = self.client.cookies.get(settings.CSRF_COOKIE_NAME)
        return cookie.value if cookie else ""

    def request(self, method: str, url: str, data=None, *, json_body=None, origin=None):
        """One request as the page would send it (Origin and CSRF header on POSTs).

        `origin` sets another Origin header (a foreign page's form, or "null" as Chromium
        sends for a form on a no-referrer page); such a form has no CSRF header."""
        extra = {"HTTP_HOST": self.host, "secure": self.secure}
        if method == "GET":
            return self.client.get(self._local(url), **extra)
        if origin is None:
            extra.update(HTTP_ORIGIN=self.origin, HTTP_X_CSRFTOKEN=self._csrf())
        else:
            extra.update(HTTP_ORIGIN=origin)
        if json_body is not None:
            return self.client.post(
                self._local(url), json.dumps(json_body), content_type="application/json", **extra
            )
        return self.client.post(self._local(url), data or {}, **extra)

    def go(self, url: str, *, method="GET", data=None, sign_in=True, origin=None) -> Arrival:
        """Navigate; follow the IdP's redirects, sign in when asked (if `sign_in`)."""
        current = urljoin(self.origin + "/", url)
        response = self.request(method, current, data, origin=origin)
        signed_in_here = False
        for _ in range(12):
            if response.status_code in REDIRECTS:
                target = urljoin(current, response["Location"])
                if not target.startswith(self.origin + "/"):
                    return Arrival("redirect", target, response, signed_in_here)
                current, response = target, self.request("GET", target)
                continue
            page = sign_in_page(response)
            if page is not None:
                # The sign-in page, at its own URL or rendered by authorize itself.
                self.sign_in_pages += 1
                if not sign_in:
                    return Arrival("page", current, response, signed_in_here)
                next_url = page["next"]
                current = urljoin(self.origin + "/", self.passkey_sign_in(next_url))
                signed_in_here = True
                response = self.request("GET", current)
                continue
            for form in page_forms(response.content.decode(errors="replace")):
                if form["attrs"].get("id") == "oidc-response":
                    action = form["attrs"].get("action", "")
                    return Arrival("form_post", action, response, signed_in_here, form["fields"])
            return Arrival("page", current, response, signed_in_here)
        raise AssertionError(f"redirect loop ending at {current}")

    def passkey_sign_in(self, next_url: str) -> str:
        """The sign-in page's ceremony over HTTP; returns where the page would go next."""
        names = {"tenant_slug": self.slug}
        options_url = reverse("idp:signin-options", kwargs=names)
        options = self.request("POST", options_url, json_body={"email": self.email})
        assert options.status_code == 200, options.content
        options = options.json()
        assertion = self.authenticator.get(options["publicKey"], self.origin)
        done = self.request(
            "POST",
            reverse("idp:signin-verify", kwargs=names),
            json_body={"handle": options["handle"], "credential": assertion, "next": next_url},
        )
        assert done.status_code == 200, done.content
        body = done.json()
        assert body["status"] == "signed_in", body
        return body["redirect"]

    def submit(self, arrival: Arrival, having: str, *, origin=None, **overrides) -> Arrival:
        """Submit the page's form that has a field named `having`, as the browser would."""
        form = next(f for f in page_forms(arrival.text) if having in f["fields"])
        action = urljoin(arrival.url, form["attrs"].get("action") or arrival.url)
        method = form["attrs"].get("method", "get").upper()
        data = {**form["fields"], **overrides}
        return self.go(action, method=method, data=data, origin=origin)
