"""Issue 11 item 12 in Chromium: the strict CSP blocks nothing the product's pages need."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from tests.support.routes import sweep_clients

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_run_under_the_csp_without_violations(browser, public_live_server):
    tenant, clients = sweep_clients()
    cookie = clients["signed-in"].cookies[django_settings.SESSION_COOKIE_NAME]
    context = browser.new_context()
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": public_live_server.url}]
    )
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda m: (
            violations.append((page.url, m.text)) if "Content Security Policy" in m.text else None
        ),
    )
    try:
        for path in (
            "/portal/",
            f"/portal/tenants/{tenant.slug}/settings/",
            "/portal/passkeys/",
            "/admin/",
            "/admin/accounts/user/",
            f"/t/{tenant.slug}/sign-in/",
            f"/t/{tenant.slug}/account/",
        ):
            response = page.goto(public_live_server.url + path)
            assert response.status == 200, path
            assert response.headers["content-security-policy"].startswith("default-src 'self'")
            page.wait_for_load_state("networkidle")
        # The API docs render their operations: the start-up script ran as a file.
        page.goto(public_live_server.url + "/api/docs/")
        page.wait_for_selector(".opblock", timeout=30_000)
    finally:
        context.close()
    assert not violations
