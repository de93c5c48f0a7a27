"""An admin manages domains and the passkeys' RP ID in the portal and through the API."""

import pytest
from django.urls import reverse

from accounts.models import WebAuthnCredential
from tenants.audit import AuditEvent
from tenants.domains.models import CustomDomain
from tests import factories


@pytest.fixture
def admin_client(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write").user
    client.force_login(admin, backend="accounts.backends.PortalUserBackend")
    return client


def _url(name, tenant, **kwargs):
    return reverse(f"portal:{name}", kwargs={"slug": tenant.slug, **kwargs})


def test_added_domain_shows_its_txt_record_and_state(admin_client, tenant):
    response = admin_client.post(
        _url("tenant-domain-add", tenant), {"hostname": "Login.Contoso.test"}
    )
    assert response.status_code == 302
    domain = CustomDomain.objects.get(tenant=tenant)
    page = admin_client.get(_url("tenant-domains", tenant)).content.decode()
    assert "_latchkey-challenge.login.contoso.test" in page
    assert f"latchkey-verification={domain.verification_token}" in page
    assert 'data-state="pending"' in page


def test_bad_domain_is_named_and_nothing_is_stored(admin_client, tenant):
    response = admin_client.post(_url("tenant-domain-add", tenant), {"hostname": "co.uk"})
    assert response.status_code == 400
    assert "co.uk is a public suffix" in response.content.decode()
    assert not CustomDomain.objects.exists()


def test_rp_id_change_with_users_asks_for_confirmation(admin_client, tenant):
    CustomDomain.objects.create(
        tenant=tenant,
        hostname="login.contoso.test",
        state="verified",
        verified_at="2026-01-01T00:00Z",
    )
    user = factories.end_user(tenant=tenant)
    WebAuthnCredential.objects.create(
        user=user, credential_id=b"cred-1", public_key=b"pk", sign_count=0
    )
    form = {"rp_id": "contoso.test", "related_origins": "https://www.contoso.test"}
    refused = admin_client.post(_url("tenant-relying-party", tenant), form)
    assert refused.status_code == 400
    assert "1 user(s) have passkeys" in refused.content.decode()
    tenant.refresh_from_db()
    assert tenant.webauthn_rp_id == ""
    done = admin_client.post(_url("tenant-relying-party", tenant), {**form, "confirm": "on"})
    assert done.status_code == 302
    tenant.refresh_from_db()
    assert tenant.webauthn_rp_id == "contoso.test"
    assert tenant.related_origins == ["https://www.contoso.test"]
    event = AuditEvent.objects.filter(action="tenant.relying_party_changed").get()
    assert event.details["users_sent_to_recovery"] == 1


def test_rp_id_must_cover_the_sign_in_host(admin_client, tenant):
    response = admin_client.post(
        _url("tenant-relying-party", tenant), {"rp_id": "contoso.test", "related_origins": ""}
    )
    assert response.status_code == 400
    assert "neither localhost nor a parent domain" in response.content.decode()


def test_api_adds_lists_and_removes_a_domain(admin_client, tenant, other_tenant):
    base = f"/api/v1/tenants/{tenant.slug}/domains/"
    created = admin_client.post(
        base, {"hostname": "login.contoso.test"}, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (
        body["state"] == "pending" and body["txt_name"] == "_latchkey-challenge.login.contoso.test"
    )
    assert admin_client.get(base).json()[0]["hostname"] == "login.contoso.test"
    bad = admin_client.post(base, {"hostname": "https://x.test/"}, content_type="application/json")
    assert bad.status_code == 400 and "hostname" in bad.json()
    foreign = CustomDomain.objects.create(tenant=other_tenant, hostname="login.fabrikam.test")
    assert admin_client.delete(f"{base}{foreign.pk}/").status_code == 404
    assert admin_client.delete(f"{base}{body['id']}/").status_code == 204
    assert list(CustomDomain.objects.values_list("hostname", flat=True)) == ["login.fabrikam.test"]


def test_api_relying_party_document(admin_client, tenant, settings):
    settings.PUBLIC_URL = "https://id.example.com"
    CustomDomain.objects.create(
        tenant=tenant,
        hostname="login.contoso.test",
        state="verified",
        verified_at="2026-01-01T00:00Z",
    )
    url = f"/api/v1/tenants/{tenant.slug}/relying-party/"
    saved = admin_client.put(
        url,
        {"rp_id": "contoso.test", "related_origins": ["https://www.contoso.test"]},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["well_known_webauthn"] == {
        "origins": [
            "https://login.contoso.test",
            "https://id.example.com",
            "https://www.contoso.test",
        ]
    }
    refused = admin_client.put(
        url, {"rp_id": "com", "related_origins": []}, content_type="application/json"
    )
    assert refused.status_code == 400 and "rp_id" in refused.json()


def test_users_of_a_changed_rp_id_are_told_to_recover(admin_client, tenant, client):
    user = factories.end_user(tenant=tenant)
    WebAuthnCredential.objects.create(
        user=user, credential_id=b"cred-2", public_key=b"pk", sign_count=0
    )
    CustomDomain.objects.create(
        tenant=tenant,
        hostname="login.contoso.test",
        state="verified",
        verified_at="2026-01-01T00:00Z",
    )
    sign_in = reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug})
    assert b"passkeys-reset" not in client.get(sign_in).content
    unchanged = {"rp_id": "login.contoso.test", "related_origins": ""}
    assert admin_client.post(_url("tenant-relying-party", tenant), unchanged).status_code == 302
    assert b"passkeys-reset" not in client.get(sign_in).content
    admin_client.post(
        _url("tenant-relying-party", tenant),
        {"rp_id": "contoso.test", "related_origins": "", "confirm": "on"},
    )
    page = client.get(sign_in).content.decode()
    assert 'id="passkeys-reset"' in page
    assert "Passkeys made before then no longer work here" in page
    assert reverse("idp:signin-recover", kwargs={"tenant_slug": tenant.slug}) in page


def test_chosen_issuer_is_what_settings_api_and_b2c_panel_show(admin_client, tenant):
    rp = factories.client(tenant=tenant)
    CustomDomain.objects.create(
        tenant=tenant,
        hostname="login.contoso.test",
        state="verified",
        verified_at="2026-01-01T00:00Z",
    )
    api = f"/api/v1/tenants/{tenant.slug}/oidc/"
    assert admin_client.get(api).json()["issuer"].endswith(f"/t/{tenant.slug}")
    chosen = admin_client.post(_url("tenant-issuer", tenant), {"issuer": "custom_domain"})
    assert chosen.status_code == 302
    body = admin_client.get(api).json()
    assert body["issuer"] == "https://login.contoso.test"
    assert body["metadata_url"] == "https://login.contoso.test/.well-known/openid-configuration"
    assert body["endpoints"]["token"] == "https://login.contoso.test/token"
    xml = admin_client.get(_url("tenant-settings-b2c-xml", tenant)).content.decode()
    assert "https://login.contoso.test/.well-known/openid-configuration" in xml
    settings_page = admin_client.get(_url("tenant-settings", tenant)).content.decode()
    assert "https://login.contoso.test/.well-known/openid-configuration" in settings_page
    rp.refresh_from_db()
    assert rp.use_custom_domain_issuer
    assert AuditEvent.objects.filter(action="oidc.issuer_changed", tenant=tenant).count() == 1


def test_api_names_the_field_of_a_bad_related_origin(admin_client, tenant):
    url = f"/api/v1/tenants/{tenant.slug}/relying-party/"
    refused = admin_client.put(
        url,
        {"rp_id": "", "related_origins": ["http://www.contoso.test"]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "must use https" in refused.json()["related_origins"][0]
