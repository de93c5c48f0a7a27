"""Permission-matrix cases for the signing-key pages and API."""

from tenants.models import SigningKey
from tests.portal.matrix.spec import Case


def _next_kid(world, tenant=None):
    tenant = tenant or world.tenant
    return SigningKey.objects.for_tenant(tenant).get(state="next", algorithm="RS256").kid


def _slug(w):
    return {"slug": w.tenant.slug}


def _revoke_own(w):
    return {"slug": w.tenant.slug, "kid": _next_kid(w)}


def _revoke_foreign(w):
    # A key of the other tenant addressed through this tenant's URL: never found.
    return {"slug": w.tenant.slug, "kid": _next_kid(w, w.other_tenant)}


READ = {"anonymous": 302, "read_only": 200, "read_write": 200, "other_tenant": 404, "support": 200}
WRITE = {"anonymous": 302, "read_only": 403, "read_write": 302, "other_tenant": 404, "support": 302}
FOREIGN = {
    "anonymous": 302,
    "read_only": 403,
    "read_write": 404,
    "other_tenant": 404,
    "support": 404,
}
API_ANON = (401, 403)

CASES = [
    Case("portal:tenant-keys", READ, kwargs=_slug),
    Case(
        "portal:tenant-key-rotate",
        WRITE,
        method="POST",
        kwargs=_slug,
        data=lambda w: {"algorithm": "RS256", "reason": "matrix"},
    ),
    Case(
        "portal:tenant-key-rotate",
        {**WRITE, "read_write": 400, "support": 400},
        method="POST",
        kwargs=_slug,
        data=lambda w: {"algorithm": "HS256"},
        id="bad-algorithm",
    ),
    Case(
        "portal:tenant-key-revoke",
        WRITE,
        method="POST",
        kwargs=_revoke_own,
        data=lambda w: {"reason": "matrix"},
    ),
    Case(
        "portal:tenant-key-revoke",
        FOREIGN,
        method="POST",
        kwargs=_revoke_foreign,
        data=lambda w: {"reason": "matrix"},
        id="other-tenant-key",
    ),
    Case("portal:tenant-key-add-es256", WRITE, method="POST", kwargs=_slug, data=lambda w: {}),
    Case(
        "api:tenant-keys",
        {
            "anonymous": API_ANON,
            "read_only": 200,
            "read_write": 200,
            "other_tenant": 404,
            "support": 200,
        },
        kwargs=_slug,
    ),
    Case(
        "api:tenant-keys",
        {
            "anonymous": API_ANON,
            "read_only": 403,
            "read_write": 201,
            "other_tenant": 404,
            "support": 201,
        },
        method="POST",
        kwargs=_slug,
        data=lambda w: {"algorithm": "ES256"},
        json=True,
        id="add-es256",
    ),
    Case(
        "api:tenant-key-rotate",
        {
            "anonymous": API_ANON,
            "read_only": 403,
            "read_write": 200,
            "other_tenant": 404,
            "support": 200,
        },
        method="POST",
        kwargs=_slug,
        data=lambda w: {"reason": "matrix"},
        json=True,
    ),
    Case(
        "api:tenant-key-revoke",
        {
            "anonymous": API_ANON,
            "read_only": 403,
            "read_write": 200,
            "other_tenant": 404,
            "support": 200,
        },
        method="POST",
        kwargs=_revoke_own,
        data=lambda w: {"reason": "matrix"},
        json=True,
    ),
    Case(
        "api:tenant-key-revoke",
        {
            "anonymous": API_ANON,
            "read_only": 403,
            "read_write": 404,
            "other_tenant": 404,
            "support": 404,
        },
        method="POST",
        kwargs=_revoke_foreign,
        json=True,
        id="other-tenant-key",
    ),
]
