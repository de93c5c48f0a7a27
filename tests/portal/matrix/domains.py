"""Permission-matrix cases for the Domains page and the domains/relying-party API."""

from django.utils import timezone

from tenants.domains.models import CustomDomain
from tests.portal.matrix.spec import Case, expect, tenant_slug

READ = expect(302, 200, 200, 404, 200)
WRITE = expect(302, 403, 302, 404, 302)
API_ANON = (401, 403)


def _api(ok, *, read_only=403):
    return expect(API_ANON, read_only, ok, 404, ok)


def _own_domain(w):
    domain = CustomDomain.objects.create(tenant=w.tenant, hostname="login.matrix-a.test")
    return {"slug": w.tenant.slug, "pk": domain.pk}


def _foreign_domain(w):
    domain = CustomDomain.objects.create(
        tenant=w.other_tenant,
        hostname="login.matrix-b.test",
        state="verified",
        verified_at=timezone.now(),
    )
    return {"slug": w.tenant.slug, "pk": domain.pk}


def _empty(w):
    return {}


def _hostname(w):
    return {"hostname": "login.contoso.test"}


def _rp(w):
    return {"rp_id": "", "related_origins": "https://www.contoso.test"}


CASES = [
    Case("portal:tenant-domains", READ, kwargs=tenant_slug),
    Case("portal:tenant-domain-add", WRITE, method="POST", kwargs=tenant_slug, data=_hostname),
    Case(
        "portal:tenant-domain-add",
        {**WRITE, "read_write": 400, "support": 400},
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"hostname": "co.uk"},
        id="public-suffix",
    ),
    Case("portal:tenant-domain-check", WRITE, method="POST", kwargs=_own_domain, data=_empty),
    Case("portal:tenant-domain-remove", WRITE, method="POST", kwargs=_own_domain, data=_empty),
    Case(
        "portal:tenant-domain-remove",
        expect(302, 403, 404, 404, 404),
        method="POST",
        kwargs=_foreign_domain,
        data=_empty,
        id="other-tenant-domain",
    ),
    Case("portal:tenant-relying-party", WRITE, method="POST", kwargs=tenant_slug, data=_rp),
    Case(
        "portal:tenant-relying-party",
        {**WRITE, "read_write": 400, "support": 400},
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"rp_id": "com", "related_origins": ""},
        id="public-suffix",
    ),
    Case("api:domain-list", _api(200, read_only=200), kwargs=tenant_slug),
    Case(
        "api:domain-list", _api(201), method="POST", kwargs=tenant_slug, data=_hostname, json=True
    ),
    Case(
        "api:domain-list",
        _api(400),
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"hostname": "10.0.0.1"},
        json=True,
        id="ip-address",
    ),
    Case("api:domain-detail", _api(200, read_only=200), kwargs=_own_domain),
    Case("api:domain-detail", _api(404, read_only=404), kwargs=_foreign_domain, id="foreign"),
    Case("api:domain-detail", _api(204), method="DELETE", kwargs=_own_domain),
    Case("api:domain-check", _api(202), method="POST", kwargs=_own_domain, json=True),
    Case("api:relying-party", _api(200, read_only=200), kwargs=tenant_slug),
    Case(
        "api:relying-party",
        _api(200),
        method="PUT",
        kwargs=tenant_slug,
        data=lambda w: {"rp_id": "", "related_origins": ["https://www.contoso.test"]},
        json=True,
    ),
    Case(
        "api:relying-party",
        _api(400),
        method="PUT",
        kwargs=tenant_slug,
        data=lambda w: {"rp_id": "co.uk", "related_origins": []},
        json=True,
        id="public-suffix",
    ),
]


def _with_client(w):
    from tests import factories

    factories.client(tenant=w.tenant)


CASES += [
    Case(
        "portal:tenant-issuer",
        WRITE,
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"issuer": "default"},
        setup=_with_client,
    ),
    Case(
        "portal:tenant-issuer",
        {**WRITE, "read_write": 400, "support": 400},
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"issuer": "custom_domain"},
        setup=_with_client,
        id="no-verified-domain",
    ),
]
