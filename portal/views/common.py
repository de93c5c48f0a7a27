"""Shared helpers for portal views: sign-in state, freshness, rate limits, JSON errors."""

from __future__ import annotations

import functools
import time

from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.ratelimit import Limit, RateLimited
from accounts.selectors import TenantAccess, access_tenant
from tenants.audit import client_ip
from tenants.oidc.selectors import secret_status

PORTAL_BACKEND = "accounts.backends.PortalUserBackend"
AUTH_SESSION_KEY = "portal_auth"
# A passkey or link sign-in this recent counts as a "fresh check" for sensitive changes.
FRESH_SECONDS = 300

SIGNUP_IP = Limit("portal-signup-ip", 20, 3600)
SIGNUP_EMAIL = Limit("portal-signup-email", 3, 900)
LINK_IP = Limit("portal-link-ip", 20, 3600)
LINK_EMAIL = Limit("portal-link-email", 3, 900)
LINK_USE_IP = Limit("portal-link-use-ip", 30, 900)
CEREMONY_IP = Limit("portal-webauthn-ip", 30, 300)
CEREMONY_EMAIL = Limit("portal-webauthn-email", 10, 300)


def sign_in(request, user, *, method: str) -> None:
    """Start a new portal session for a portal-realm user (rotates the session key)."""
    if user.tenant_id is not None:
        raise PermissionDenied("Only portal accounts can sign in here.")
    login(request, user, backend=PORTAL_BACKEND)
    request.session[AUTH_SESSION_KEY] = {"method": method, "at": int(time.time())}


def mark_fresh(request, *, method: str) -> None:
    """Record a completed passkey (or link) check in this session."""
    request.session[AUTH_SESSION_KEY] = {"method": method, "at": int(time.time())}


def is_fresh(request, *, allow_link: bool) -> bool:
    """True if the session passed a recent passkey check (or link, when allowed)."""
    record = request.session.get(AUTH_SESSION_KEY) or {}
    if not isinstance(record, dict) or time.time() - record.get("at", 0) > FRESH_SECONDS:
        return False
    return record.get("method") == "passkey" or (allow_link and record.get("method") == "link")


def credential_rows(items, *, revoke_url) -> list[dict]:
    """Rows for a client-secret or API-token table: the item, its status, its revoke URL."""
    now = timezone.now()
    # API tokens share the client secrets' lifecycle fields (revoked_at, expires_at).
    return [
        {"item": item, "status": secret_status(item, now), "revoke_url": revoke_url(item)}
        for item in items
    ]


def writable_tenant(request, slug: str) -> TenantAccess:
    """The signed-in user's access to the tenant; 404 if none, 403 unless read-write."""
    access = access_tenant(actor=request.user, slug=slug)
    access.require_write()
    return access


def apply_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form (unknown fields as non-field errors)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def ip_of(request) -> str:
    """The caller's IP for rate limiting."""
    return client_ip(request) or "unknown"


def too_many(request, exc: RateLimited, *, as_json: bool = False):
    """A clear 429 page (or JSON) with Retry-After."""
    message = f"Too many attempts. Please wait {exc.retry_after} seconds and try again."
    if as_json:
        response = JsonResponse({"error": message}, status=429)
    else:
        response = render(
            request,
            "error.html",
            {"title": "Too many attempts", "message": message},
            status=429,
        )
    response["Retry-After"] = str(exc.retry_after)
    return response


def json_error(message: str, status: int = 400, **extra):
    """A JSON error body {"error": message}."""
    return JsonResponse({"error": message, **extra}, status=status)


def portal_login_required(view):
    """Portal pages: anonymous visitors are sent to sign in."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def json_login_required(view):
    """JSON endpoints: 401 instead of a redirect."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return json_error("Sign in first.", status=401)
        return view(request, *args, **kwargs)

    return wrapper


def support_required(view):
    """Support console: sign in first; anyone but support staff gets 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_support_staff:
            raise PermissionDenied("Only support staff can use the support console.")
        return view(request, *args, **kwargs)

    return wrapper
