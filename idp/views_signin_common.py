"""Shared bits of the sign-in views: security headers, JSON bodies and errors, safe `next`."""

from __future__ import annotations

import functools
import json

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from accounts.next_url import local_next
from accounts.passkeys.ceremonies import MAX_RESPONSE_BYTES
from accounts.passkeys.errors import PasskeyError, WebAuthnError
from accounts.ratelimit import RateLimited
from idp.errors import SignInError
from idp.framing import frame_for_tenant

MAX_BODY_BYTES = MAX_RESPONSE_BYTES + 4096


def no_store(response, tenant=None):
    """No referrer, no caching, no CORS, no framing but by the tenant's embedding origins (the
    CSP is the product's, config.csp)."""
    response["Referrer-Policy"] = "no-referrer"
    frame_for_tenant(response, tenant)
    response["Cache-Control"] = "no-store"
    for header in [h for h in response.headers if h.lower().startswith("access-control-")]:
        del response[header]
    return response


def idp_headers(view):
    """no_store() on every response of the view."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return no_store(view(request, *args, **kwargs), getattr(request, "tenant", None))

    return wrapped


def redirect_to(request, url: str):
    """A redirect; as JSON for the pages' fetch()-posted forms (see static/idp/forms.js)."""
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"redirect": url})
    return HttpResponseRedirect(url)


def json_error(message: str, status: int = 400, **extra) -> JsonResponse:
    """An error a person can read, as JSON."""
    return JsonResponse({"error": message, **extra}, status=status)


def json_errors(view):
    """Turn refused steps into 400/404/409 JSON and rate limits into 429, never a 500."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PasskeyError as exc:
            extra = {"code": exc.code} if exc.code else {}
            return json_error(exc.message, exc.status, **extra)
        except WebAuthnError as exc:
            return json_error(exc.message)
        except RateLimited as exc:
            response = json_error(
                f"Too many attempts. Wait {exc.retry_after} seconds, then try again.",
                429,
                retry_after=exc.retry_after,
            )
            response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapped


def json_body(request) -> dict:
    """The request's JSON object, size-limited; anything else is a readable 400."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise SignInError("The request is too large.")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise SignInError("The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise SignInError("The request body must be a JSON object.")
    return body


def form_errors(form) -> JsonResponse:
    """Field errors of a form as a 400."""
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    first = next(iter(fields.values()), ["Check the form."])[0]
    return json_error(first, 400, fields=fields)


def safe_next(value, tenant) -> str:
    """`next` only when it is a relative path inside this tenant's area, else ""."""
    return local_next(value, prefix=f"/t/{tenant.slug}/")


def account_url(tenant) -> str:
    """The tenant's account page."""
    return reverse("idp:account", kwargs={"tenant_slug": tenant.slug})


def sign_in_url(tenant) -> str:
    """The tenant's sign-in page."""
    return reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug})
