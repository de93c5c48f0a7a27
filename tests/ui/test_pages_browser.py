"""Every page at 390×844 and 1280×800: no sideways page scroll, no serious/critical axe issue."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tenants.audit import AuditEvent
from tests import factories
from tests.idp.signin_support import last_code, last_link, post_json, register, url
from tests.support.pages import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server, client: Client | None = None):
    # axe is injected as an inline script: only the test's own browser may bypass the CSP.
    ctx = browser.new_context(bypass_csp=True)
    ctx.set_default_timeout(15_000)
    if client is not None:
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        ctx.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return ctx


def _portal_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _check_all(browser, live_server, client, pages) -> list[str]:
    ctx = _context(browser, live_server, client)
    page = ctx.new_page()
    failures = []
    try:
        for label, path in pages:
            failures += check_page(page, live_server.url + path, label)
    finally:
        ctx.close()
    return failures


def test_portal_pages_fit_and_pass_axe(public_live_server, browser):
    tenant = factories.tenant(slug="acme", display_name="Acme Corporation", oidc_enabled=True)
    factories.client(tenant=tenant)
    admin = factories.membership(tenant=tenant, role="read_write").user
    reader = factories.membership(tenant=tenant, role="read_only").user
    waiting = factories.portal_user(email="waiting@example.com")
    support = factories.portal_user(is_staff=True, email="support@example.com")
    AuditEvent.objects.create(
        action="oidc.settings_updated",
        tenant=tenant,
        actor_email=admin.email,
        target_repr="Relying party with a rather long name for wrapping",
        details={
            "response_type": {"before": "code", "after": "id_token"},
            "enabled": True,
            "redirect_url": "https://contoso.b2clogin.com/contoso.onmicrosoft.com/"
            "oauth2/authresp/with/a/very/long/path/that/never/breaks",
        },
    )
    slug = {"slug": tenant.slug}
    anonymous = [
        ("portal sign-up", reverse("portal:home")),
        ("portal sign-in", reverse("portal:sign-in")),
        ("portal docs", reverse("portal:docs")),
    ]
    admin_pages = [
        ("portal home", reverse("portal:home")),
        ("tenant dashboard", reverse("portal:tenant-home", kwargs=slug)),
        ("users", reverse("portal:tenant-users", kwargs=slug)),
        ("domains", reverse("portal:tenant-domains", kwargs=slug)),
        ("dev mailbox", reverse("portal:dev-mailbox")),
        ("settings", reverse("portal:tenant-settings", kwargs=slug)),
        ("signing keys", reverse("portal:tenant-keys", kwargs=slug)),
        ("members", reverse("portal:tenant-members", kwargs=slug)),
        ("audit log", reverse("portal:tenant-audit", kwargs=slug)),
        ("API tokens", reverse("portal:api-tokens")),
        ("my passkeys", reverse("portal:passkeys")),
        ("profile", reverse("portal:profile")),
    ]
    reader_pages = [
        ("read-only settings", reverse("portal:tenant-settings", kwargs=slug)),
        ("access request", reverse("portal:tenant-access-request", kwargs=slug)),
    ]
    support_pages = [
        ("support console", reverse("portal:support") + "?q=example"),
        ("support tenant", reverse("portal:support-tenant", kwargs=slug)),
        ("support user", reverse("portal:support-user", kwargs={"user_id": admin.pk})),
    ]
    failures = _check_all(browser, public_live_server, None, anonymous)
    failures += _check_all(browser, public_live_server, _portal_client(admin), admin_pages)
    failures += _check_all(browser, public_live_server, _portal_client(reader), reader_pages)
    failures += _check_all(
        browser, public_live_server, _portal_client(waiting), [("waiting", reverse("portal:home"))]
    )
    failures += _check_all(browser, public_live_server, _portal_client(support), support_pages)
    assert not failures, "\n".join(failures)

    # The audit log fits a 1280 px screen without scrolling even inside its table.
    ctx = _context(browser, public_live_server, _portal_client(admin))
    page = ctx.new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(public_live_server.url + reverse("portal:tenant-audit", kwargs=slug))
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
    ctx.close()


def test_idp_pages_fit_and_pass_axe(public_live_server, browser):
    tenant = factories.tenant(slug="acme", display_name="Acme Corporation", oidc_enabled=True)
    rp = factories.client(tenant=tenant)
    anonymous = [
        ("sign-in", url("sign-in", tenant)),
        ("recovery", url("signin-recover", tenant)),
        ("link error", url("signin-email-link", tenant, kind="verify", token="x" * 43)),
        ("expired step", url("signin-create-passkey", tenant)),
        ("OIDC error", f"/t/{tenant.slug}/authorize?client_id=unknown&response_type=code"),
        ("logout confirm", url("oidc-logout", tenant)),
    ]
    failures = _check_all(browser, public_live_server, None, anonymous)

    # A new user who proved their email: the link page and the create-passkey page.
    newcomer = Client()
    started = post_json(newcomer, url("signin-signup", tenant), {"email": "new@example.com"})
    assert started.status_code == 200, started.content
    link_path = last_link("new@example.com")
    failures += _check_all(browser, public_live_server, None, [("email link", link_path)])
    proven = post_json(newcomer, url("signin-email-code", tenant), {"code": last_code()})
    assert proven.status_code == 200, proven.content
    failures += _check_all(
        browser,
        public_live_server,
        newcomer,
        [("create passkey", url("signin-create-passkey", tenant))],
    )

    # A signed-in end user: the account page.
    end_user = Client()
    register(end_user, tenant, "ada@example.com")
    failures += _check_all(
        browser, public_live_server, end_user, [("account", url("account", tenant))]
    )
    assert rp.client_id
    assert not failures, "\n".join(failures)
