"""The one mail sender: every email renders `emails/<name>_subject.txt` and `emails/<name>.txt`.

An email about a tenant (`tenant` in the context) also gets an HTML part carrying the tenant's
brand: logo, display name and colour around the same text.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.defaultfilters import linebreaks_filter
from django.template.loader import render_to_string
from django.utils.html import Urlizer
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from tenants.branding import colors
from tenants.branding.selectors import logo_url_of

# Stands for the body in the cached frame; escaped tenant data cannot contain "<!--".
_BODY_SLOT = f"<!--lk-body-{secrets.token_hex(8)}-->"


@lru_cache(maxsize=512)
def _frame(language: str, display_name: str, logo_url: str, brand: str) -> tuple[str, str]:
    """The branded page before and after the body, rendered once per language and brand."""
    color = colors.palette(brand or colors.DEFAULT_PRIMARY)["--lk-primary"]
    html = render_to_string(
        "emails/_branded.html",
        {
            "body": mark_safe(_BODY_SLOT),
            "tenant": {"display_name": display_name},
            "logo_url": logo_url,
            "color": color,
        },
    )
    before, after = html.split(_BODY_SLOT)
    return before, after


_URLIZER = Urlizer()


@lru_cache(maxsize=4096)
def _urlize_word(word: str) -> str:
    # A pure function of the word, and slow (tens of µs); a template's own words recur.
    return _URLIZER.handle_word(word, safe_input=True, nofollow=True, autoescape=True)


def _urlize(html: str) -> str:
    """The urlize filter (autoescape on) of safe HTML: the same per-word step, skipped for the
    words it leaves as they are (no ".", "@" or ":") and remembered for the others."""
    words = _URLIZER.word_split_re.split(html)
    return "".join(
        _urlize_word(word) if "." in word or "@" in word or ":" in word else word
        for word in words
    )


def _branded_html(*, body: str, tenant) -> str:
    before, after = _frame(
        get_language(), tenant.display_name, logo_url_of(tenant), tenant.brand_color
    )
    # What {{ body|linebreaks|urlize }} gives with autoescape on.
    return before + _urlize(linebreaks_filter(body, autoescape=True)) + after


def mail_send(*, template: str, to: str, context: dict) -> None:
    """Render the subject (one line) and body of `template` and send them to one address."""
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    tenant = context.get("tenant")
    if tenant is not None and hasattr(tenant, "brand_color"):
        message.attach_alternative(_branded_html(body=body, tenant=tenant), "text/html")
    message.send()
