"""Headless Chromium with a CDP virtual authenticator, against the live server."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from django.core import mail

from accounts.models import User, WebAuthnCredential
from tests import factories
from tests.idp.signin_support import private_cache  # noqa: F401
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def seed_passkey(cdp, authenticator_id, user, rp_id="localhost"):
    """A passkey already on the device and on file (as if registered earlier)."""
    soft = SoftAuthenticator().add_credential(rp_id, bytes(user.webauthn_handle))
    WebAuthnCredential.objects.create(
        user=user,
        credential_id=soft.credential_id,
        public_key=soft.cose_public_key(),
        sign_count=0,
        name="Laptop",
    )
    private = soft.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": authenticator_id,
            "credential": {
                "credentialId": _b64(soft.credential_id),
                "isResidentCredential": True,
                "rpId": rp_id,
                "privateKey": _b64(private),
                "userHandle": _b64(bytes(user.webauthn_handle)),
                "signCount": 0,
            },
        },
    )
    return soft


def _code(email):
    body = [m for m in mail.outbox if email in m.to][-1].body
    return re.search(r"code: (\d{6})", body).group(1)


def _link(email):
    body = [m for m in mail.outbox if email in m.to][-1].body
    return re.search(r"https?://\S+/t/\S+", body).group(0)


@pytest.fixture
def site(public_live_server):
    tenant = factories.tenant(
        display_name="Acme Travel",
        signup_inputs={"given_name": "required", "family_name": "required", "nickname": "off"},
    )
    return public_live_server.url, tenant


def test_new_user_registers_with_inputs_code_and_passkey(page, site):
    from tests.support.browser import add_virtual_authenticator, get_credentials

    base, tenant = site
    cdp, authenticator_id = add_virtual_authenticator(page)
    requests = []
    page.on("request", lambda r: requests.append((r.resource_type, r.url)))
    page.goto(f"{base}/t/{tenant.slug}/sign-in/")
    assert page.locator("#tenant-name").inner_text() == "Acme Travel"
    assert page.get_by_label("Email").get_attribute("autocomplete") == "username webauthn"
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Continue").click()
    # No passkey for this email on the device: the page asks the tenant's inputs.
    page.locator("#step-signup").wait_for(state="visible")
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_role("button", name="Email me a code").click()
    page.locator("#step-code").wait_for(state="visible")
    page.get_by_label("Code").fill(_code("ada@example.com"))
    # The code's answer carries the creation options: the passkey is created on this page.
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    assert page.locator("tr.passkey").count() == 1
    paths = [urlsplit(u).path.removeprefix(f"/t/{tenant.slug}/") for _kind, u in requests]
    documents = [paths[i] for i, (kind, _u) in enumerate(requests) if kind == "document"]
    assert documents == ["sign-in/", "account/"], documents
    assert "sign-in/create-passkey/" not in paths and "sign-in/register/options/" not in paths
    assert paths.count("sign-in/email/code/") == paths.count("sign-in/register/verify/") == 1
    user = User.objects.for_tenant(tenant).get(email="ada@example.com")
    assert (user.given_name, user.family_name) == ("Ada", "Lovelace")
    assert user.email_verified
    creds = get_credentials(cdp, authenticator_id)
    assert len(creds) == 1 and creds[0]["isResidentCredential"]


def test_returning_user_signs_in_and_goes_to_next(page, site):
    from tests.support.browser import add_virtual_authenticator

    base, tenant = site
    user = factories.end_user(tenant=tenant, email="bob@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    cdp, authenticator_id = add_virtual_authenticator(page)
    page.goto(
        f"{base}/t/{tenant.slug}/sign-in/?login_hint=bob%40example.com"
        f"&next=%2Ft%2F{tenant.slug}%2Faccount%2F%3Ffrom%3Drp"
    )
    # The virtual authenticator answers autofill at once; let that offer end (empty device)
    # before the passkey appears, so this exercises the email path.
    page.locator("#signin[data-autofill=ended]").wait_for(state="attached")
    seed_passkey(cdp, authenticator_id, user)
    assert page.get_by_label("Email").input_value() == "bob@example.com"
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/\?from=rp$"))
    assert "bob@example.com" in page.content()
    credential = WebAuthnCredential.objects.get(user=user)
    assert credential.last_used_at is not None


def test_passkey_autofill_signs_in_without_typing(page, site):
    from tests.support.browser import add_virtual_authenticator

    base, tenant = site
    user = factories.end_user(tenant=tenant, email="cy@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    cdp, authenticator_id = add_virtual_authenticator(page)
    seed_passkey(cdp, authenticator_id, user)
    page.goto(f"{base}/t/{tenant.slug}/sign-in/")
    # The virtual authenticator answers the conditional (autofill) request at once, as a
    # person picking the suggested passkey would: no email typed, no button pressed.
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    assert "cy@example.com" in page.content()


def test_a_second_passkey_from_another_device(page, site):
    from tests.support.browser import add_virtual_authenticator

    base, tenant = site
    user = factories.end_user(tenant=tenant, email="dee@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    cdp, first = add_virtual_authenticator(page)
    seed_passkey(cdp, first, user)
    page.goto(f"{base}/t/{tenant.slug}/sign-in/")
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    # The new device is another authenticator.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    add_virtual_authenticator(page, transport="usb")
    page.get_by_role("button", name="Add a passkey").click()
    page.locator("tr.passkey").nth(1).wait_for()
    assert page.locator("tr.passkey").count() == 2
    assert WebAuthnCredential.objects.filter(user=user).count() == 2
    # Rename, then remove the first one; the last one cannot be removed.
    first_row = page.locator("tr.passkey").first
    first_row.get_by_label("Name").fill("Old laptop")
    first_row.get_by_role("button", name="Rename").click()
    page.get_by_text("Passkey renamed.").wait_for()
    page.locator("tr.passkey").first.get_by_role("button", name="Remove").click()
    page.get_by_text("Passkey removed.").wait_for()
    assert page.locator("tr.passkey").count() == 1
    assert page.locator("tr.passkey").first.get_by_role("button", name="Remove").is_disabled()


def test_recovery_by_emailed_link_registers_a_new_passkey(page, site):
    from tests.support.browser import add_virtual_authenticator

    base, tenant = site
    user = factories.end_user(tenant=tenant, email="eve@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    # The passkey is on a device that was lost: on file, not in this browser.
    SoftAuthenticator().add_credential("localhost", bytes(user.webauthn_handle))
    add_virtual_authenticator(page)
    page.goto(f"{base}/t/{tenant.slug}/sign-in/recover/")
    page.get_by_label("Email").fill("eve@example.com")
    page.get_by_role("button", name="Email me a recovery link").click()
    page.get_by_text("we sent it a recovery code and link").wait_for()
    page.goto(_link("eve@example.com"))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/sign-in/create-passkey/$"))
    assert "Create a new passkey" in page.content()
    page.get_by_role("button", name="Create a passkey").click()
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    user.refresh_from_db()
    assert user.sessions_valid_after is not None
    assert WebAuthnCredential.objects.filter(user=user).count() == 1


def test_a_failed_ceremony_explains_and_offers_try_again(page, site):
    from tests.support.browser import add_virtual_authenticator

    base, tenant = site
    type(tenant).objects.filter(pk=tenant.pk).update(
        require_email_verification=False, signup_inputs={}
    )
    # An authenticator that cannot verify the user is not allowed (UV is required).
    cdp, authenticator_id = add_virtual_authenticator(page, isUserVerified=False)
    page.goto(f"{base}/t/{tenant.slug}/sign-in/")
    page.get_by_label("Email").fill("fay@example.com")
    page.get_by_role("button", name="Continue").click()
    page.locator("#step-signup").wait_for(state="visible")
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/register/options/" in r.url else None)
    page.get_by_role("button", name="Create a passkey").click()
    page.locator("#step-error").wait_for(state="visible")
    assert page.locator("#error-text").inner_text()
    assert asked == []  # the sign-up's answer carried the options
    # "Try again" asks for fresh options (a challenge works once), and fails the same way.
    page.get_by_role("button", name="Try again").click()
    page.locator("#step-error").wait_for(state="visible")
    assert len(asked) == 1
    assert page.get_by_role("button", name="Try again").is_visible()
    assert not User.objects.for_tenant(tenant).filter(email="fay@example.com").exists()


def test_a_browser_without_webauthn_is_told_so(page, site):
    base, tenant = site
    page.add_init_script("delete window.PublicKeyCredential;")
    page.goto(f"{base}/t/{tenant.slug}/sign-in/")
    page.get_by_label("Email").fill("gus@example.com")
    page.get_by_role("button", name="Continue").click()
    page.locator("#step-error").wait_for(state="visible")
    assert "cannot use passkeys" in page.locator("#error-text").inner_text()
    page.get_by_role("button", name="Try again").click()
    page.get_by_label("Email").wait_for(state="visible")


def _age_browser_sign_in(page, tenant, seconds):
    from importlib import import_module

    from django.conf import settings

    cookies = page.context.cookies()
    key = next(c["value"] for c in cookies if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    signins = session["idp_signins"]
    signins[str(tenant.pk)]["auth_time"] -= seconds
    signins[str(tenant.pk)]["signed_in_at"] -= seconds
    session["idp_signins"] = signins
    session.save()


def test_an_old_sign_in_must_sign_in_again_before_adding_a_passkey(page, site):
    from tests.support.browser import add_virtual_authenticator

    base, tenant = site
    user = factories.end_user(tenant=tenant, email="old@example.com")
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    cdp, first = add_virtual_authenticator(page)
    seed_passkey(cdp, first, user)
    page.goto(f"{base}/t/{tenant.slug}/sign-in/")
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    _age_browser_sign_in(page, tenant, 3600)

    page.get_by_role("button", name="Add a passkey").click()
    # Sent through the sign-in page, where the passkey (autofill) signs in again, then back.
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/sign-in/\?.*reauth=1"))
    page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/account/$"))
    assert WebAuthnCredential.objects.filter(user=user).count() == 1
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    add_virtual_authenticator(page, transport="usb")
    page.get_by_role("button", name="Add a passkey").click()
    page.locator("tr.passkey").nth(1).wait_for()
    assert WebAuthnCredential.objects.filter(user=user).count() == 2
