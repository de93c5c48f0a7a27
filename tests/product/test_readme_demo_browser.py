"""The README's demo, in headless Chromium: from `make run`'s demo data to a verified token."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from portal.demo import ADMIN_EMAIL, demo_data_load, demo_links
from tests.idp.signin_support import private_cache  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]


@pytest.fixture
def mailbox(settings, tmp_path):
    """Mail goes to the development mailbox, as under `make run`."""
    settings.EMAIL_BACKEND = "accounts.mailbox.MailboxBackend"
    settings.DEV_MAILBOX = True
    settings.DEV_MAILBOX_DIR = tmp_path / "mail"


def test_demo_admin_runs_a_test_sign_in_and_sees_a_verified_token(
    public_live_server, mailbox, browser, page
):
    from tests.support.browser import add_virtual_authenticator, get_credentials

    base = public_live_server.url
    tenant = demo_data_load()
    admin_link = next(link.url for link in demo_links() if link.email == ADMIN_EMAIL)

    # 1. The admin signs in with the printed one-time link.
    page.goto(admin_link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/portal/**")

    # 2. They click "Test sign-in" on Settings.
    page.goto(f"{base}/portal/tenants/{tenant.slug}/settings/")
    page.get_by_role("button", name="Test sign-in").click()
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/authorize\?.*"))
    page.locator("#signin").wait_for(state="attached")

    # 3. A new end user registers a passkey, reading the code in the development mailbox.
    cdp, authenticator_id = add_virtual_authenticator(page)
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_role("button", name="Continue").click()
    page.locator("#step-signup").wait_for(state="visible")
    page.get_by_role("button", name="Email me a code").click()
    page.locator("#step-code").wait_for(state="visible")
    mailbox_page = page.context.new_page()
    href = page.get_by_role("link", name="development mailbox").get_attribute("href")
    mailbox_page.goto(f"{base}{href}")
    # The newest message first.
    mailbox_page.locator("tbody a").first.click()
    code = re.search(r"\b(\d{6})\b", mailbox_page.locator("pre").inner_text()).group(1)
    mailbox_page.close()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()  # the passkey is created on this page

    # 4. The viewer shows the claims with "signature verified".
    page.wait_for_url(f"{base}/portal/tenants/{tenant.slug}/test-sign-in/")
    assert page.locator("#signature-status").inner_text().strip() == "✔ signature verified"
    newcomer = User.objects.for_tenant(tenant).get(email="newcomer@example.com")
    claims = page.locator("#id-token-claims").inner_text()
    assert newcomer.subject in claims
    assert "issuerUserId" in claims
    assert "newcomer@example.com" in page.locator("#userinfo").inner_text()
    assert len(get_credentials(cdp, authenticator_id)) == 1
