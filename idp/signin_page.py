"""The sign-in page's HTML: rendered once per tenant version, language and prefix, then
filled in with the request's own values (its `next`, login hint and CSRF token)."""

from __future__ import annotations

import json
import re
import secrets
import time

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.translation import get_language

from idp import passkey_signin
from idp.forms_signin import SignupForm
from idp.views_signin_common import no_store, safe_next
from tenants.cache import tenants_version
from tenants.domains.selectors import passkeys_reset_notice

TEMPLATE = "idp/signin.html"
MAX_SHELLS = 256

# A random token per process, so no value a visitor sends can look like a slot.
_TOKEN = secrets.token_hex(8)
SLOTS = {name: f"lkslot{name}{_TOKEN}" for name in ("next", "hint", "csrf", "autofill")}
_EMPTY_HINT = f' value="{SLOTS["hint"]}"'
_FILL = re.compile("|".join(re.escape(s) for s in (_EMPTY_HINT, *SLOTS.values())))

_shells: dict[tuple, tuple[str, float]] = {}


def sign_in_page(
    request,
    *,
    next_url: str,
    login_hint: str = "",
    current=None,
    reauth=False,
    delivers=False,
    posts_to="",
):
    """The sign-in page's response: its own URL's, and authorize's when a sign-in is needed
    (one request fewer than a redirect). `current`: the sign-in already read, if any.
    `delivers`: rendered by authorize, whose answer the page's script may send on itself
    instead of going back to authorize; `posts_to`: the origin of that validated redirect URI
    when the answer is a form_post (the page's forms may then post there)."""
    tenant = request.tenant
    login_hint = login_hint.strip()[:254] if isinstance(login_hint, str) else ""
    context = {
        "tenant": tenant,
        "login_hint": login_hint,
        "signup_form": SignupForm(tenant=tenant),
        "next": safe_next(next_url, tenant),
        "current": current,
        "reauth": reauth,
        "requires_verification": tenant.require_email_verification,
        "passkeys_reset_at": passkeys_reset_notice(tenant),
        "delivers": delivers,
        "autofill_options": autofill_options(request),
    }
    get_token(request)  # the CSRF cookie the page's fetch() calls need
    response = HttpResponse(render_sign_in(request, context))
    if posts_to:
        response.csp = {"form-action": ["'self'", posts_to]}
    return no_store(response, tenant)


def autofill_options(request) -> str:
    """Passkey autofill's request options as JSON, so the page's script need not ask for them:
    a discoverable sign-in whose challenge is sealed into its handle (nothing stored, so a page
    view costs no cache write and counts against no limit; verify records its single use)."""
    return json.dumps(passkey_signin.signin_options(tenant=request.tenant, sealed=True))


def render_sign_in(request, context: dict) -> str:
    """The page for this request; from the tenant's shell unless it shows per-visitor text."""
    version = tenants_version()
    if version is None or context.get("current") or len(get_messages(request)):
        return render_to_string(TEMPLATE, context, request=request)
    tenant = context["tenant"]
    key = (
        tenant.slug,
        version,
        get_language(),
        get_script_prefix(),
        context.get("passkeys_reset_at"),
        context.get("delivers"),
    )
    now = time.monotonic()
    held = _shells.get(key)
    if held is None or held[1] <= now:
        if len(_shells) >= MAX_SHELLS:
            _shells.clear()
        shell_context = {
            **context,
            "next": SLOTS["next"],
            "login_hint": SLOTS["hint"],
            "csrf_token": SLOTS["csrf"],
            "autofill_options": SLOTS["autofill"],
        }
        held = (
            render_to_string(TEMPLATE, shell_context, request=request),
            now + settings.TENANT_PROCESS_CACHE_SECONDS,
        )
        _shells[key] = held
    hint = context.get("login_hint") or ""
    values = {
        _EMPTY_HINT: f' value="{escape(hint)}"' if hint else "",
        SLOTS["next"]: escape(context.get("next") or ""),
        SLOTS["hint"]: escape(hint),
        SLOTS["csrf"]: get_token(request),
        SLOTS["autofill"]: escape(context.get("autofill_options") or ""),
    }
    return _FILL.sub(lambda match: values[match.group(0)], held[0])
