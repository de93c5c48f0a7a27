"""Tenant branding: logo validation, colour contrast, hashed immutable URLs, Settings and API."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from portal.api.tokens import api_token_create
from tenants.audit import AuditEvent
from tenants.branding import colors
from tenants.branding.images import LogoInvalid, logo_content_type
from tenants.branding.services import tenant_branding_save
from tests import factories
from tests.idp.signin_support import private_cache  # noqa: F401

pytestmark = pytest.mark.django_db

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<rect width="10" height="10" fill="#0a7d5a"/></svg>'
)


def png(size=(8, 8), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#0a7d5a").save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, kind",
    [(png(), "image/png"), (png(fmt="JPEG"), "image/jpeg"), (SVG, "image/svg+xml")],
)
def test_accepted_logos(data, kind):
    assert logo_content_type(data) == kind


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"x" * (256 * 1024 + 1), "256 KB"),
        (b"GIF89a" + b"\0" * 20, "not a PNG, JPEG or SVG"),
        (png(fmt="GIF"), "not accepted"),
        (SVG.replace(b"<rect", b"<script>alert(1)</script><rect"), "<script>"),
        (SVG.replace(b"<rect", b'<rect onload="alert(1)"'), "event handlers"),
        (SVG.replace(b"<rect", b'<image href="https://evil.example/x.png"/><rect'), "refer"),
        (SVG.replace(b"<rect", b"<foreignObject></foreignObject><rect"), "foreignobject"),
        (SVG.replace(b"<rect", b"<style>@import url(https://x/y.css);</style><rect"), "outside"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "a">]>' + SVG, "DOCTYPE"),
        (b"<svg", "well-formed"),
    ],
)
def test_refused_logos_say_why(data, reason):
    with pytest.raises(LogoInvalid, match=reason):
        logo_content_type(data)


def test_colours_keep_text_readable():
    for color in ("#ffff00", "#0a7d5a", "#777777", "#000000", "#ffffff"):
        p = colors.palette(color)
        assert colors.contrast(p["--lk-primary"], "#ffffff") >= 4.5
        assert colors.contrast(p["--lk-primary"], p["--lk-on-primary"]) >= 4.5
    assert colors.normalise("#ABC") == "#aabbcc"
    assert colors.normalise("red") is None


def test_bad_upload_changes_nothing(tenant):
    admin = factories.membership(tenant=tenant, role="read_write").user
    with pytest.raises(ValidationError) as exc:
        tenant_branding_save(
            tenant=tenant, actor=admin, logo=b"nope", display_name="Renamed", primary_color="#000"
        )
    assert "logo" in exc.value.message_dict
    tenant.refresh_from_db()
    assert tenant.display_name != "Renamed" and not tenant.brand_color and not tenant.logo_sha256
    assert not AuditEvent.objects.filter(action__startswith="tenant.branding").exists()


def test_settings_form_sets_branding_and_the_sign_in_page_shows_it(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write").user
    client.force_login(admin)
    url = reverse("portal:tenant-settings-branding", kwargs={"slug": tenant.slug})
    form = {
        "display_name": "Acme",
        "primary_color": "#0a7d5a",
        "default_language": "de",
        "passkey_button": "on",
    }
    bad = client.post(url, {**form, "logo": io.BytesIO(b"<svg><script/></svg>")})
    assert bad.status_code == 400 and "must not contain &lt;script&gt;" in bad.content.decode()
    tenant.refresh_from_db()
    assert tenant.display_name != "Acme"

    upload = io.BytesIO(SVG)
    upload.name = "logo.svg"
    ok = client.post(url, {**form, "logo": upload})
    assert ok.status_code == 302
    tenant.refresh_from_db()
    assert tenant.display_name == "Acme" and tenant.brand_color == "#0a7d5a"
    assert tenant.default_language == "de" and len(tenant.logo_sha256) == 64
    actions = set(AuditEvent.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert {"tenant.logo_set", "tenant.branding_updated"} <= actions

    page = client.get(reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug})).content
    page = page.decode()
    logo_url = f"/t/{tenant.slug}/brand/logo-{tenant.logo_sha256}"
    assert f'src="{logo_url}"' in page and "Acme" in page
    css_url = page.split(f'href="/t/{tenant.slug}/brand/')[1].split('"')[0]

    logo = client.get(logo_url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/svg+xml"
    assert "immutable" in logo["Cache-Control"]
    assert "script-src 'self'" in logo["Content-Security-Policy"]
    assert "unsafe-inline" not in logo["Content-Security-Policy"]
    css = client.get(f"/t/{tenant.slug}/brand/{css_url}")
    assert css.status_code == 200 and "immutable" in css["Cache-Control"]
    assert b"--lk-primary:" in css.content
    assert client.get(f"/t/{tenant.slug}/brand/logo-{'0' * 64}").status_code == 404
    assert client.get(f"/t/{tenant.slug}/brand/{'0' * 16}.css").status_code == 404


def test_api_branding_and_logo(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write").user
    _token, plaintext = api_token_create(user=admin, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    url = reverse("api:branding", kwargs={"slug": tenant.slug})
    logo_url = reverse("api:branding-logo", kwargs={"slug": tenant.slug})

    bad = client.patch(url, {"primary_color": "blue"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and "primary_color" in bad.json()
    ok = client.patch(
        url,
        {"primary_color": "#0A7D5A", "passkey_button": False},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200 and ok.json()["primary_color"] == "#0a7d5a"
    assert ok.json()["passkey_button"] is False

    refused = client.put(logo_url, data=b"<svg onload='x'/>", content_type="image/svg+xml", **auth)
    assert refused.status_code == 400 and "event handlers" in str(refused.json())
    stored = client.put(logo_url, data=png(), content_type="image/png", **auth)
    assert stored.status_code == 200 and stored.json()["logo_url"].endswith(
        tenant.__class__.objects.get(pk=tenant.pk).logo_sha256
    )
    assert (
        client.put(logo_url, data=b"{}", content_type="application/json", **auth).status_code == 415
    )
    gone = client.delete(logo_url, **auth)
    assert gone.status_code == 200 and gone.json()["logo_url"] is None

    reader = factories.membership(tenant=tenant, role="read_only").user
    _t, reader_token = api_token_create(user=reader, name="r")
    denied = client.patch(
        url,
        {"display_name": "X"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {reader_token}",
    )
    assert denied.status_code == 403


@pytest.mark.usefixtures("private_cache")
def test_emails_carry_the_brand(client, tenant):
    from django.core import mail

    from tests.idp.signin_support import post_json, url

    tenant_branding_save(
        tenant=tenant, actor=None, logo=SVG, primary_color="#0a7d5a", display_name="Acme Travel"
    )
    tenant.refresh_from_db()
    sent = post_json(client, url("signin-signup", tenant), {"email": "eve@example.com"})
    assert sent.status_code == 200, sent.content
    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    assert f"/t/{tenant.slug}/brand/logo-{tenant.logo_sha256}" in html
    assert "Acme Travel" in html and "#0a7d5a" in html
    assert "Acme Travel" in message.body
