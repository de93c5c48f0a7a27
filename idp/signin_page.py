"""The sign-in page's HTML: rendered once per tenant version, language and prefix, then
filled in with the request's own values (its `next`, login hint and CSRF token)."""

from __future__ import annotations

import re
import secrets
import time

from django.conf import settings
from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.translation import get_language

from tenants.cache import tenants_version

TEMPLATE = "idp/signin.html"
MAX_SHELLS = 256

# A random token per process, so no value a visitor sends can look like a slot.
_TOKEN = secrets.token_hex(8)
SLOTS = {name: f"lkslot{name}{_TOKEN}" for name in ("next", "hint", "csrf")}
_EMPTY_HINT = f' value="{SLOTS["hint"]}"'
_FILL = re.compile("|".join(re.escape(s) for s in (_EMPTY_HINT, *SLOTS.values())))

_shells: dict[tuple, tuple[str, float]] = {}


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
        context.get("reauth"),
        context.get("passkeys_reset_at"),
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
    }
    return _FILL.sub(lambda match: values[match.group(0)], held[0])
