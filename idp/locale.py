"""The end user's language: OIDC ui_locales, then Accept-Language, then the tenant's default."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

COOKIE = "lk_lang"
COOKIE_MAX_AGE = 30 * 24 * 3600


def _supported(tag: str) -> str | None:
    """'de-AT' → 'de' when shipped; None otherwise."""
    codes = {code for code, _name in settings.LANGUAGES}
    tag = tag.strip().replace("_", "-").lower()
    if tag in codes:
        return tag
    base = tag.split("-")[0]
    return base if base in codes else None


def from_ui_locales(value: str) -> str | None:
    """The first shipped language of a space-separated BCP 47 list (OIDC Core 3.1.2.1)."""
    for tag in (value or "").split()[:10]:
        found = _supported(tag)
        if found:
            return found
    return None


def _ui_locales_of(request) -> str | None:
    if "ui_locales" in request.GET:
        return from_ui_locales(request.GET["ui_locales"])
    next_url = request.GET.get("next", "")
    if next_url and len(next_url) < 4096:
        values = parse_qs(urlsplit(next_url).query).get("ui_locales")
        if values:
            return from_ui_locales(values[-1])
    return None


def _accept_language(request) -> str | None:
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    if not header or len(header) > 1000:
        return None
    for tag, _q in translation.trans_real.parse_accept_lang_header(header):
        if tag == "*":
            continue
        found = _supported(tag)
        if found:
            return found
    return None


def language_for(request, tenant) -> tuple[str, str | None]:
    """(language, ui_locales choice to remember or None)."""
    asked = _ui_locales_of(request)
    if asked:
        return asked, asked
    remembered = _supported(request.COOKIES.get(COOKIE, "")[:8])
    if remembered:
        return remembered, None
    return (
        _accept_language(request)
        or _supported(getattr(tenant, "default_language", "") or "")
        or settings.LANGUAGE_CODE
    ), None


class EndUserLocaleMiddleware:
    """Activates the end user's language on tenant (IdP) pages; everything else is English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        response = self.get_response(request)
        remember = getattr(request, "_lk_remember_language", None)
        if remember:
            tenant = request.tenant
            response.set_cookie(
                COOKIE,
                remember,
                max_age=COOKIE_MAX_AGE,
                path=f"/t/{tenant.slug}/",
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
            )
        if getattr(request, "_lk_localised", False):
            response.setdefault("Content-Language", request.LANGUAGE_CODE)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        translation.activate(settings.LANGUAGE_CODE)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            return None
        language, remember = language_for(request, tenant)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request._lk_localised = True
        request._lk_remember_language = remember
        return None
