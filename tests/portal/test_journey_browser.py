"""The portal journey in headless Chromium with a virtual authenticator (CDP)."""

import pytest
from django.core import mail

from accounts.models import Membership, User
from accounts.services import portal_sign_in_link_request
from tests import factories
from tests.portal.helpers import LINK_RE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link_for(email: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [email]:
            return LINK_RE.search(message.body).group(0)
    raise AssertionError(f"no link for {email}")


def test_signup_to_read_write_admin_in_a_browser(public_live_server, browser, page):
    from tests.support.browser import add_virtual_authenticator, get_credentials

    base = public_live_server.url
    factories.tenant(slug="contoso", display_name="Contoso", allowed_email_domains=["contoso.com"])
    support = factories.portal_user(email="support@latchkey.test", is_staff=True)
    cdp, authenticator_id = add_virtual_authenticator(page)

    # Sign up.
    page.goto(f"{base}/portal/")
    page.get_by_label("Email").fill("ada@contoso.com")
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    # Verify the email and create the passkey.
    page.goto(_link_for("ada@contoso.com"))
    page.get_by_role("button", name="Confirm and continue").click()
    page.wait_for_url(f"{base}/portal/passkeys/")
    page.get_by_label("Name for the new passkey").fill("Virtual key")
    page.get_by_role("button", name="Create your passkey").click()
    page.wait_for_url(f"{base}/portal/")
    page.get_by_role("heading", name="Your account is waiting to be assigned").wait_for()
    assert len(get_credentials(cdp, authenticator_id)) == 1
    ada = User.objects.portal().get(email="ada@contoso.com")
    assert ada.credentials.get().name == "Virtual key"

    # Sign out and back in with the passkey.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/portal/sign-in/")
    assert page.locator("#id_email").get_attribute("autocomplete") == "username webauthn"
    # Conditional mediation: Chromium's virtual authenticator answers the autofill request
    # on its own, as a person picking the passkey from the Email field's suggestions would.
    page.wait_for_url(f"{base}/portal/")
    page.get_by_role("heading", name="Your account is waiting to be assigned").wait_for()

    # Support staff, in their own browser context, assign Ada read-only.
    staff_context = browser.new_context()
    staff_context.set_default_timeout(15_000)
    staff = staff_context.new_page()
    portal_sign_in_link_request(email=support.email)
    staff.goto(_link_for(support.email))
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(f"{base}/portal/support/?q=ada@")
    staff.get_by_role("link", name="ada@contoso.com").first.click()
    staff.locator("#assign-tenant").select_option("contoso")
    staff.locator("#assign-reason").fill("Ticket 42")
    staff.get_by_role("button", name="Assign").click()
    staff.get_by_text("assigned to contoso").wait_for()
    assert Membership.objects.get(user=ada).role == "read_only"

    # Ada asks for read-write access.
    page.reload()
    page.get_by_role("link", name="Ask for read-write access").click()
    page.get_by_label("Why do you need read-write access?").fill("I run the integration")
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("read-write access requested").wait_for()

    # Support approves; the domain policy allows Ada's verified contoso.com address.
    staff.goto(f"{base}/portal/support/")
    row = staff.locator("#access-requests tr", has_text="ada@contoso.com")
    row.get_by_label("Reason").fill("Confirmed with Contoso IT")
    row.get_by_role("button", name="Resolve").click()
    staff.get_by_text("Access request resolved").wait_for()
    staff_context.close()
    assert Membership.objects.get(user=ada).role == "read_write"

    # Ada, now read-write, sees the members and the audit log.
    page.goto(f"{base}/portal/")
    page.get_by_role("link", name="Members").first.click()
    page.get_by_role("heading", name="Members of Contoso").wait_for()
    assert "Read-write" in page.content()
    page.get_by_role("link", name="Audit log").first.click()
    page.get_by_text("membership.elevated").wait_for()


def test_passkey_button_without_autofill(public_live_server, page):
    from tests.support.browser import add_virtual_authenticator

    base = public_live_server.url
    user = factories.portal_user(email="grace@example.com")
    add_virtual_authenticator(page)
    # A browser without conditional mediation: the button is the way in.
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
    portal_sign_in_link_request(email=user.email)
    page.goto(_link_for(user.email))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/portal/passkeys/")
    page.get_by_role("button", name="Create your passkey").click()
    page.wait_for_url(f"{base}/portal/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/portal/sign-in/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{base}/portal/")
    page.goto(f"{base}/portal/passkeys/")
    assert page.locator("td", has_text="UTC").count() >= 2  # created and last used
