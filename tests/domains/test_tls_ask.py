"""The TLS proxy's `ask` endpoint answers only for verified domains of active tenants."""

import pytest
from django.utils import timezone

from tenants.domains.models import CustomDomain
from tenants.models import Tenant


@pytest.fixture
def domains(tenant, other_tenant):
    now = timezone.now()
    CustomDomain.objects.create(
        tenant=tenant, hostname="login.contoso.test", state="verified", verified_at=now
    )
    CustomDomain.objects.create(tenant=tenant, hostname="pending.contoso.test")
    CustomDomain.objects.create(
        tenant=other_tenant, hostname="login.fabrikam.test", state="verified", verified_at=now
    )


@pytest.mark.parametrize(
    ("domain", "status"),
    [
        ("login.contoso.test", 200),
        ("LOGIN.contoso.test.", 200),
        ("pending.contoso.test", 404),
        ("unknown.test", 404),
        ("", 404),
        ("127.0.0.1", 404),
        ("a" * 300, 404),
        ("bad host/..", 404),
    ],
)
def test_ask_answers_for_verified_domains_only(client, domains, domain, status):
    response = client.get("/tls/allowed", {"domain": domain})
    assert response.status_code == status


def test_suspended_tenant_domain_gets_no_certificate(client, domains, other_tenant):
    Tenant.objects.filter(pk=other_tenant.pk).update(status="suspended")
    assert client.get("/tls/allowed", {"domain": "login.fabrikam.test"}).status_code == 404


def test_ask_is_get_only(client, domains):
    assert client.post("/tls/allowed", {"domain": "login.contoso.test"}).status_code == 405
