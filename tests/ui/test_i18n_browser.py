"""A relying party asks for Japanese: the sign-in page is Japanese, with the tenant's brand."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tenants.branding.services import tenant_branding_save
from tests import factories
from tests.ui.test_branding import SVG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ui_locales_ja_shows_the_japanese_sign_in_page_with_logo_and_colour(
    public_live_server, page
):
    tenant = factories.tenant(slug="acme", display_name="Acme 株式会社", oidc_enabled=True)
    client = factories.client(tenant=tenant)
    tenant_branding_save(tenant=tenant, actor=None, logo=SVG, primary_color="#0a7d5a")
    tenant.refresh_from_db()
    query = urlencode(
        {
            "client_id": client.client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": "https://rp.example.com/cb",
            "state": "s",
            "nonce": "n",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "ui_locales": "ja en",
        }
    )
    page.goto(f"{public_live_server.url}/t/{tenant.slug}/authorize?{query}")
    page.wait_for_url("**/authorize?**")  # the sign-in page, rendered by authorize
    page.locator("#signin").wait_for(state="attached")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").inner_text() == "サインイン"
    assert page.locator("label[for=email]").inner_text() == "メールアドレス"
    assert page.locator("#continue").inner_text() == "続行"

    logo = page.locator("#tenant-logo")
    assert logo.get_attribute("src") == f"/t/{tenant.slug}/brand/logo-{tenant.logo_sha256}"
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#tenant-name").inner_text() == "Acme 株式会社"
    background = page.locator("#continue").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(10, 125, 90)"

    catalog = json.loads(page.locator("#lk-i18n").text_content())
    assert catalog["Waiting for your passkey…"] == "パスキーを待っています…"

    # The choice sticks for this tenant's next pages (ui_locales is only on the first request).
    page.goto(f"{public_live_server.url}/t/{tenant.slug}/sign-in/recover/")
    assert page.locator("h1").inner_text() == "パスキーを紛失しましたか？"
