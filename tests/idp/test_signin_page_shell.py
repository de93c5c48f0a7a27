"""The sign-in page from its per-tenant shell is the page the template renders, byte for byte."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import translation

from idp import signin_page
from tenants import cache as tenant_cache
from tests import factories
from tests.idp.signin_support import private_cache, url  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
AUTOFILL = re.compile(rb'data-autofill-options="[^"]+"')  # a fresh challenge per page view


@pytest.fixture
def shells(settings):
    """The production process caches on, a clean slate before and after."""
    settings.TENANT_PROCESS_CACHE_SECONDS = 60
    tenant_cache.clear()
    signin_page._shells.clear()
    yield signin_page._shells
    tenant_cache.clear()
    signin_page._shells.clear()


def _page(tenant, query: dict, language: str = "en") -> tuple[bytes, bytes]:
    """The page's body with its CSRF token taken out, and that token."""
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(
        url("sign-in", tenant) + "?" + urlencode(query)
    )
    assert response.status_code == 200
    token = CSRF.search(response.content).group(1)
    body = AUTOFILL.sub(b'data-autofill-options="OPTIONS"', response.content)
    return CSRF.sub(b"TOKEN", body), token


def _fresh(settings, tenant, query: dict, language: str = "en") -> bytes:
    """The same page rendered by the template alone (process caches off)."""
    settings.TENANT_PROCESS_CACHE_SECONDS = 0
    try:
        return _page(tenant, query, language)[0]
    finally:
        settings.TENANT_PROCESS_CACHE_SECONDS = 60


HOSTILE = {
    "next": '/t/x/authorize?a=1&b="><script>alert(1)</script>',
    "login_hint": 'o\'brien"<b>@example.com',
}


@pytest.mark.parametrize(
    "query",
    [{}, {"login_hint": "ann@example.com"}, HOSTILE, {"next": "lkslotnext"}],
    ids=["plain", "hint", "hostile", "slot-lookalike"],
)
def test_the_shell_gives_the_template_s_page(settings, shells, query):
    tenant = factories.tenant()
    tenant.oidc_enabled = True
    tenant.save()
    query = {**query, "next": query.get("next", "").replace("/t/x/", f"/t/{tenant.slug}/")}
    first, _ = _page(tenant, query)
    assert len(shells) == 1
    again, _ = _page(tenant, query)  # from the shell
    assert again == first == _fresh(settings, tenant, query)
    assert b"<script>alert" not in again


def test_each_request_gets_its_own_csrf_token_and_cookie(shells):
    tenant = factories.tenant()
    client = Client()
    one = client.get(url("sign-in", tenant))
    two = Client().get(url("sign-in", tenant))
    assert len(shells) == 1
    tokens = [CSRF.search(r.content).group(1) for r in (one, two)]
    assert tokens[0] != tokens[1]
    assert "csrftoken" in one.cookies and "csrftoken" in two.cookies


def test_two_tenants_and_two_languages_have_their_own_pages(settings, shells):
    acme, globex = factories.tenant(display_name="Acme"), factories.tenant(display_name="Globex")
    acme_page, _ = _page(acme, {})
    globex_page, _ = _page(globex, {})
    german, _ = _page(acme, {}, "de")
    assert b"Acme" in acme_page and b"Globex" not in acme_page
    assert b"Globex" in globex_page and b"Acme" not in globex_page
    with translation.override("de"):
        assert b'lang="de"' in german
    assert german == _fresh(settings, acme, {}, "de")
    assert len(shells) == 3


def test_a_tenant_change_is_seen_on_the_next_page(shells):
    tenant = factories.tenant(display_name="Before")
    assert b"Before" in _page(tenant, {})[0]
    tenant.display_name = "After"
    tenant.save()
    page, _ = _page(tenant, {})
    assert b"After" in page and b"Before" not in page


def test_a_signed_in_visitor_gets_the_template_s_page(shells):
    """The signed-in hint names the person: never from (or into) the shared shell."""
    from tests.idp.signin_support import register

    tenant = factories.tenant()
    client = Client()
    _authenticator, done = register(client, tenant, "me@example.com")
    assert done.status_code == 200
    shells.clear()
    page = client.get(url("sign-in", tenant))
    assert b"me@example.com" in page.content
    assert not shells
