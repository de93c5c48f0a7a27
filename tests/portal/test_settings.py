"""The tenant Settings page: labels, writes, field errors, read-only view, B2C panel."""

import html
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tenants.audit import AuditEvent
from tenants.models import ClientSecret, OIDCClient, RedirectURL
from tenants.oidc.client_secrets import client_secret_match
from tenants.oidc.selectors import client_get_primary
from tenants.oidc.services import client_get_or_create, client_secret_generate
from tests import factories

pytestmark = pytest.mark.django_db

LABELS = [
    "Enable OIDC",
    "Inputs",
    "Redirect URL",
    "Response type",
    "Response mode",
    "Client ID",
    "Metadata URL",
    "Generate",
    "Copy",
    "Connect Azure AD B2C",
]


def _url(name, tenant, **kw):
    return reverse(f"portal:{name}", kwargs={"slug": tenant.slug, **kw})


def _settings_post(client, tenant, **overrides):
    data = {
        "enabled": "on",
        "input_given_name": "optional",
        "input_family_name": "optional",
        "input_nickname": "off",
        "response_type": "code",
        "response_mode": "form_post",
        **overrides,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(_url("tenant-settings-update", tenant), data)


def test_page_shows_the_documented_labels(client, tenant, admin):
    client.force_login(admin)
    client_get_or_create(tenant=tenant, actor=admin)
    response = client.get(_url("tenant-settings", tenant))
    assert response.status_code == 200
    body = response.content.decode()
    for label in LABELS:
        assert label in body, label
    assert "Revoke" not in body  # no secrets yet
    assert f"{tenant.issuer}/.well-known/openid-configuration" in body
    assert "trailing slash" in body
    assert "<script>" not in body  # no inline scripts; copy.js is external
    assert "portal/copy.js" in body


def test_enable_oidc_inputs_and_response_type(client, tenant, admin):
    client.force_login(admin)
    response = _settings_post(client, tenant, input_nickname="required", response_type="id_token")
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.oidc_enabled is True
    assert tenant.signup_inputs["nickname"] == "required"
    oidc_client = client_get_primary(tenant=tenant)
    assert oidc_client.response_type == "id_token"
    assert oidc_client.authorization_grant_type == OIDCClient.GRANT_IMPLICIT
    assert AuditEvent.objects.for_tenant(tenant).filter(action="oidc.enabled").exists()
    # Switching off: the unchecked checkbox is simply absent from the POST.
    _settings_post(client, tenant, enabled=None)
    tenant.refresh_from_db()
    assert tenant.oidc_enabled is False


def test_bad_settings_get_field_errors(client, tenant, admin):
    client.force_login(admin)
    response = _settings_post(client, tenant, response_mode="web_message", input_nickname="x")
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


def test_redirect_url_add_invalid_and_remove(client, tenant, admin):
    client.force_login(admin)
    bad = client.post(
        _url("tenant-settings-redirect-url-add", tenant), {"url": "http://rp.example.com/cb"}
    )
    assert bad.status_code == 400
    assert b"Must use https://" in bad.content
    frag = client.post(
        _url("tenant-settings-redirect-url-add", tenant), {"url": "https://rp.example.com/#x"}
    )
    assert b"fragment" in frag.content
    url = "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp"
    ok = client.post(_url("tenant-settings-redirect-url-add", tenant), {"url": url})
    assert ok.status_code == 302
    entry = RedirectURL.objects.for_tenant(tenant).get()
    assert entry.url == url
    page = client.get(_url("tenant-settings", tenant)).content.decode()
    assert url in page
    dup = client.post(_url("tenant-settings-redirect-url-add", tenant), {"url": url})
    assert dup.status_code == 400 and b"already registered" in dup.content
    removed = client.post(_url("tenant-settings-redirect-url-remove", tenant, pk=entry.pk))
    assert removed.status_code == 302
    assert not RedirectURL.objects.filter(pk=entry.pk).exists()


def test_generate_shows_secret_once_and_revoke(client, tenant, admin):
    client.force_login(admin)
    response = client.post(
        _url("tenant-settings-secret-generate", tenant), {"name": "Azure AD B2C"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    match = re.search(r'id="new-secret-value">([^<]+)<', body)
    assert match
    plaintext = match.group(1)
    assert "will not be shown again" in body
    oidc_client = client_get_primary(tenant=tenant)
    secret = client_secret_match(client=oidc_client, secret=plaintext)
    assert secret is not None and secret.name == "Azure AD B2C"
    # Not shown again.
    assert plaintext not in client.get(_url("tenant-settings", tenant)).content.decode()
    revoke = client.post(_url("tenant-settings-secret-revoke", tenant, pk=secret.pk))
    assert revoke.status_code == 302
    assert client_secret_match(client=oidc_client, secret=plaintext) is None


def test_generate_validates_name_and_expiry(client, tenant, admin):
    client.force_login(admin)
    response = client.post(_url("tenant-settings-secret-generate", tenant), {"name": ""})
    assert response.status_code == 400
    response = client.post(
        _url("tenant-settings-secret-generate", tenant), {"name": "x", "expires_in_days": "7"}
    )
    assert response.status_code == 400
    response = client.post(
        _url("tenant-settings-secret-generate", tenant), {"name": "x", "expires_in_days": "90"}
    )
    assert response.status_code == 200
    assert ClientSecret.objects.for_tenant(tenant).get().expires_at is not None


def test_read_only_sees_settings_but_not_secrets_and_cannot_change(client, tenant, admin, reader):
    client_secret_generate(tenant=tenant, actor=admin, name="the-secret-name")
    client.force_login(reader)
    page = client.get(_url("tenant-settings", tenant))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Enable OIDC" in body and "Client ID" in body
    assert "the-secret-name" not in body
    assert "Generate" not in body
    assert _settings_post(client, tenant).status_code == 403
    post = client.post(_url("tenant-settings-redirect-url-add", tenant), {"url": "https://a.b/c"})
    assert post.status_code == 403
    post = client.post(_url("tenant-settings-secret-generate", tenant), {"name": "x"})
    assert post.status_code == 403
    tenant.refresh_from_db()
    assert tenant.oidc_enabled is False


def test_other_tenant_member_gets_404(client, tenant, other_tenant, admin):
    entry = RedirectURL.objects.create(
        tenant=tenant, client=client_get_or_create(tenant=tenant, actor=admin), url="https://a.b/"
    )
    secret, _ = client_secret_generate(tenant=tenant, actor=admin, name="s")
    outsider = factories.membership(tenant=other_tenant, role="read_write").user
    client.force_login(outsider)
    assert client.get(_url("tenant-settings", tenant)).status_code == 404
    assert client.get(_url("tenant-settings-b2c-xml", tenant)).status_code == 404
    assert _settings_post(client, tenant).status_code == 404
    posts = [
        _url("tenant-settings-redirect-url-add", tenant),
        _url("tenant-settings-redirect-url-remove", tenant, pk=entry.pk),
        _url("tenant-settings-secret-generate", tenant),
        _url("tenant-settings-secret-revoke", tenant, pk=secret.pk),
    ]
    for url in posts:
        assert client.post(url, {"url": "https://x.y/", "name": "x"}).status_code == 404, url
    assert RedirectURL.objects.filter(pk=entry.pk).exists()
    secret.refresh_from_db()
    assert secret.revoked_at is None


def test_anonymous_is_sent_to_sign_in(client, tenant):
    response = client.get(_url("tenant-settings", tenant))
    assert response.status_code == 302
    assert reverse("portal:sign-in") in response["Location"]


@pytest.mark.parametrize("response_type", ["code", "id_token"])
def test_b2c_claims_provider_xml_is_well_formed(client, tenant, admin, response_type):
    tenant.display_name = 'Contoso & "Friends" <Ltd>'
    tenant.save()
    client.force_login(admin)
    _settings_post(client, tenant, response_type=response_type, response_mode="form_post")
    oidc_client = client_get_primary(tenant=tenant)
    response = client.get(_url("tenant-settings-b2c-xml", tenant))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "ClaimsProvider"
    items = {i.get("Key"): i.text for i in root.iter("Item")}
    assert items["METADATA"] == f"{tenant.issuer}/.well-known/openid-configuration"
    assert items["client_id"] == oidc_client.client_id
    assert items["scope"] == "openid profile email"
    assert items["response_types"] == response_type
    assert items["response_mode"] == "form_post"
    assert root.find("DisplayName").text == tenant.display_name
    keys = list(root.iter("Key"))
    if response_type == "code":
        assert items["token_endpoint_auth_method"] == "client_secret_post"
        assert keys and keys[0].get("Id") == "client_secret"
    else:
        assert "token_endpoint_auth_method" not in items
        assert not keys
    claims = {c.get("PartnerClaimType") for c in root.iter("OutputClaim")}
    assert {"sub", "name", "given_name", "family_name", "email"} <= claims
    # The same XML is shown in the panel (HTML-escaped) on the Settings page.
    page = client.get(_url("tenant-settings", tenant)).content.decode()
    panel = re.search(r'<code id="b2c-xml">(.*?)</code>', page, re.S).group(1)
    assert ET.fromstring(html.unescape(panel)).tag == "ClaimsProvider"
