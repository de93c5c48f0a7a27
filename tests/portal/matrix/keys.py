"""Permission-matrix cases for the signing-key pages and API."""

from tenants.models import SigningKey
from tests.portal.matrix.spec import Case, expect, tenant_slug


def _next_kid(world, tenant=None):
    tenant = tenant or world.tenant
    return SigningKey.objects.for_tenant(tenant).get(state="next", algorithm="RS256").kid


def _revoke_own(w):
    return {"slug": w.tenant.slug, "kid": _next_kid(w)}


def _revoke_foreign(w):
    # A key of the other tenant addressed through this tenant's URL: never found.
    return {"slug": w.tenant.slug, "kid": _next_kid(w, w.other_tenant)}


READ = expect(302, 200, 200, 404, 200)
WRITE = expect(302, 403, 302, 404, 302)
FOREIGN = expect(302, 403, 404, 404, 404)
API_ANON = (401, 403)


def _api(ok, *, read_only=403):
    """An API expectation: anonymous refused, read-write members and support get `ok`."""
    return expect(API_ANON, read_only, ok, 404, ok)


def _reason(w):
    return {"reason": "matrix"}


CASES = [
    Case("portal:tenant-keys", READ, kwargs=tenant_slug),
    Case(
        "portal:tenant-key-rotate",
        WRITE,
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"algorithm": "RS256", "reason": "matrix"},
    ),
    Case(
        "portal:tenant-key-rotate",
        {**WRITE, "read_write": 400, "support": 400},
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"algorithm": "HS256"},
        id="bad-algorithm",
    ),
    Case("portal:tenant-key-revoke", WRITE, method="POST", kwargs=_revoke_own, data=_reason),
    Case(
        "portal:tenant-key-revoke",
        FOREIGN,
        method="POST",
        kwargs=_revoke_foreign,
        data=_reason,
        id="other-tenant-key",
    ),
    Case(
        "portal:tenant-key-add-es256", WRITE, method="POST", kwargs=tenant_slug, data=lambda w: {}
    ),
    Case("api:tenant-keys", _api(200, read_only=200), kwargs=tenant_slug),
    Case(
        "api:tenant-keys",
        _api(201),
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"algorithm": "ES256"},
        json=True,
        id="add-es256",
    ),
    Case(
        "api:tenant-key-rotate",
        _api(200),
        method="POST",
        kwargs=tenant_slug,
        data=_reason,
        json=True,
    ),
    Case(
        "api:tenant-key-revoke",
        _api(200),
        method="POST",
        kwargs=_revoke_own,
        data=_reason,
        json=True,
    ),
    Case(
        "api:tenant-key-revoke",
        _api(404),
        method="POST",
        kwargs=_revoke_foreign,
        json=True,
        id="other-tenant-key",
    ),
]
