"""A verified custom domain serves its tenant's OpenID Provider at the root; nothing else does."""

import pytest
from django.utils import timezone

from tenants.domains.models import CustomDomain
from tenants.domains.services import client_issuer_choose, custom_domain_remove
from tests import factories
from tests.idp.oidc_support import is_sign_in_page

HOST = "login.contoso.test"


@pytest.fixture
def domain(tenant):
    return CustomDomain.objects.create(
        tenant=tenant, hostname=HOST, state="verified", verified_at=timezone.now()
    )


def _get(client, path, host=HOST, **extra):
    return client.get(path, HTTP_HOST=host, **extra)


def test_discovery_on_the_custom_domain_names_it_as_issuer(client, tenant, domain):
    response = _get(client, "/.well-known/openid-configuration")
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == f"https://{HOST}"
    assert body["authorization_endpoint"] == f"https://{HOST}/authorize"
    assert body["jwks_uri"] == f"https://{HOST}/jwks"
    assert _get(client, "/jwks").json()["keys"]


def test_path_based_issuer_keeps_working_beside_it(client, tenant, domain, settings):
    body = client.get(f"/t/{tenant.slug}/.well-known/openid-configuration").json()
    assert body["issuer"] == f"{settings.PUBLIC_URL}/t/{tenant.slug}"


def test_same_tenant_path_prefix_is_accepted_on_its_domain(client, tenant, domain):
    response = _get(client, f"/t/{tenant.slug}/.well-known/openid-configuration")
    assert response.json()["issuer"] == f"https://{HOST}"


def test_another_tenant_cannot_be_reached_through_the_domain(client, tenant, other_tenant, domain):
    assert (
        _get(client, f"/t/{other_tenant.slug}/.well-known/openid-configuration").status_code == 404
    )
    assert _get(client, "/portal/").status_code == 404
    assert _get(client, "/api/v1/tenants/").status_code == 404
    assert _get(client, "/admin/").status_code == 404


@pytest.mark.parametrize("state", ["pending", "failed"])
def test_unverified_domain_is_never_served(client, tenant, state, settings):
    settings.ENVIRONMENT = "production"
    CustomDomain.objects.create(tenant=tenant, hostname=HOST, state=state)
    assert _get(client, "/.well-known/openid-configuration").status_code == 404


def test_unknown_host_gets_404_in_production(client, settings, tenant):
    settings.ENVIRONMENT = "production"
    assert _get(client, f"/t/{tenant.slug}/jwks", host="evil.test").status_code == 404


def test_unknown_host_is_sent_to_public_url_in_development(client, settings, db):
    settings.ENVIRONMENT = "development"
    settings.PUBLIC_URL = "http://localhost:8000"
    response = _get(client, "/portal/?x=1", host="evil.test")
    assert response.status_code == 302
    assert response["Location"] == "http://localhost:8000/portal/?x=1"


def test_removed_domain_stops_serving_at_once(client, tenant, domain, settings):
    settings.ENVIRONMENT = "production"
    assert _get(client, "/jwks").status_code == 200
    custom_domain_remove(domain=domain, actor=None)
    assert _get(client, "/jwks").status_code == 404


def test_suspended_tenant_domain_is_not_served(client, tenant, domain, settings):
    settings.ENVIRONMENT = "production"
    type(tenant).objects.filter(pk=tenant.pk).update(status="suspended")
    assert _get(client, "/.well-known/openid-configuration").status_code == 404


def test_a_client_is_known_on_its_own_issuer_only(client, tenant, domain):
    rp = factories.client(tenant=tenant, redirect_urls=("https://rp.example.com/cb",))
    type(tenant).objects.filter(pk=tenant.pk).update(oidc_enabled=True)
    query = {
        "client_id": rp.client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": "https://rp.example.com/cb",
        "state": "s",
        "nonce": "n",
    }
    default = client.get(f"/t/{tenant.slug}/authorize", query)
    custom = client.get("/authorize", query, HTTP_HOST=HOST)
    assert is_sign_in_page(default, tenant)  # rendered by authorize itself
    assert custom.status_code == 400 and b"not registered" in custom.content
    client_issuer_choose(client=rp, actor=None, use_custom_domain=True)
    default = client.get(f"/t/{tenant.slug}/authorize", query)
    custom = client.get("/authorize", query, HTTP_HOST=HOST)
    assert default.status_code == 400
    assert is_sign_in_page(custom, tenant)


def test_related_origins_document_served_when_the_domain_is_the_rp_id(client, tenant, domain):
    assert _get(client, "/.well-known/webauthn").status_code == 404
    type(tenant).objects.filter(pk=tenant.pk).update(
        webauthn_rp_id=HOST, related_origins=["https://www.contoso.test"]
    )
    body = _get(client, "/.well-known/webauthn").json()
    assert f"https://{HOST}" in body["origins"] and "https://www.contoso.test" in body["origins"]
    assert client.get("/.well-known/webauthn").status_code == 404
