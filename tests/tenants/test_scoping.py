"""Tenant scoping and the tenant resolver."""

import pytest
from django.urls import path

from accounts.models import Membership
from tenants.models import SigningKey, Tenant
from tests import factories

pytestmark = pytest.mark.django_db


def test_for_tenant_never_returns_another_tenants_rows(tenant, other_tenant):
    mine = factories.membership(tenant=tenant)
    theirs = factories.membership(tenant=other_tenant)
    assert list(Membership.objects.for_tenant(tenant)) == [mine]
    assert list(Membership.objects.for_tenant(other_tenant)) == [theirs]
    assert {k.tenant_id for k in SigningKey.objects.for_tenant(tenant)} == {tenant.pk}


def test_for_tenant_requires_a_tenant():
    with pytest.raises(ValueError):
        Membership.objects.for_tenant(None)


def test_new_tenant_has_one_active_rs256_key(tenant):
    keys = SigningKey.objects.for_tenant(tenant).filter(state="active")
    assert [k.algorithm for k in keys] == ["RS256"]
    assert "PRIVATE" not in keys[0].private_key_encrypted


def _echo(request, tenant_slug):
    from django.http import HttpResponse

    return HttpResponse(request.tenant.slug)


urlpatterns = [path("t/<slug:tenant_slug>/echo/", _echo)]


@pytest.mark.urls("tests.tenants.test_scoping")
def test_resolver_sets_request_tenant(client, tenant):
    response = client.get(f"/t/{tenant.slug}/echo/")
    assert response.status_code == 200
    assert response.content.decode() == tenant.slug


@pytest.mark.urls("tests.tenants.test_scoping")
def test_unknown_tenant_is_404(client):
    assert client.get("/t/nope/echo/").status_code == 404


@pytest.mark.urls("tests.tenants.test_scoping")
def test_suspended_tenant_is_404(client, tenant):
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.SUSPENDED)
    assert client.get(f"/t/{tenant.slug}/echo/").status_code == 404


@pytest.mark.parametrize("path", ["/t/", "/t//x", "/t/%00/", "/t/a b/", "/nothing-here/"])
def test_malformed_paths_are_404_not_500(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"Not found" in response.content
