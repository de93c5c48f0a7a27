"""Permission-matrix cases for the REST API v1 and its schema."""

from tests.portal.matrix.settings import object_pk, oidc_objects
from tests.portal.matrix.spec import ROLES, Case, expect, tenant_slug

ANON = 401
READ = expect(ANON, 200, 200, 404, 200)
WRITE_ONLY_READ = {**READ, "read_only": 403}
FOREIGN = expect(ANON, 403, 404, 404, 404)
READ_FOREIGN = expect(ANON, 404, 404, 404, 404)
PUBLIC = dict.fromkeys(ROLES, 200)


def _write(ok):
    return expect(ANON, 403, ok, 404, ok)


CASES = [
    Case("api:schema", PUBLIC),
    Case("api:docs", PUBLIC),
    Case("api:tenant-list", expect(ANON, 200, 200, 200, 200)),
    Case("api:tenant-detail", READ, kwargs=tenant_slug),
    Case("api:oidc-settings", READ, kwargs=tenant_slug),
    Case("api:branding", READ, kwargs=tenant_slug),
    Case(
        "api:branding",
        _write(200),
        method="PATCH",
        kwargs=tenant_slug,
        data=lambda w: {"primary_color": "#0a7d5a"},
        json=True,
    ),
    Case("api:branding-logo", _write(200), method="DELETE", kwargs=tenant_slug),
    Case("api:embedding", READ, kwargs=tenant_slug),
    Case(
        "api:embedding",
        _write(200),
        method="PUT",
        kwargs=tenant_slug,
        data=lambda w: {"iframe_origins": ["https://shop.example"]},
        json=True,
    ),
    Case(
        "api:oidc-settings",
        _write(200),
        method="PATCH",
        kwargs=tenant_slug,
        data=lambda w: {"enabled": True, "inputs": {"nickname": "required"}},
        json=True,
    ),
    Case("api:redirect-url-list", READ, kwargs=tenant_slug, setup=oidc_objects),
    Case(
        "api:redirect-url-list",
        _write(201),
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"url": "https://rp.example.com/cb"},
        json=True,
    ),
    Case("api:redirect-url-detail", READ, kwargs=object_pk("own", "url"), setup=oidc_objects),
    Case(
        "api:redirect-url-detail",
        READ_FOREIGN,
        kwargs=object_pk("foreign", "url"),
        setup=oidc_objects,
        id="foreign",
    ),
    Case(
        "api:redirect-url-detail",
        _write(204),
        method="DELETE",
        kwargs=object_pk("own", "url"),
        setup=oidc_objects,
    ),
    Case(
        "api:redirect-url-detail",
        FOREIGN,
        method="DELETE",
        kwargs=object_pk("foreign", "url"),
        setup=oidc_objects,
        id="foreign",
    ),
    Case("api:client-secret-list", WRITE_ONLY_READ, kwargs=tenant_slug, setup=oidc_objects),
    Case(
        "api:client-secret-list",
        _write(201),
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"name": "matrix"},
        json=True,
    ),
    Case(
        "api:client-secret-detail",
        WRITE_ONLY_READ,
        kwargs=object_pk("own", "secret"),
        setup=oidc_objects,
    ),
    Case(
        "api:client-secret-detail",
        FOREIGN,
        kwargs=object_pk("foreign", "secret"),
        setup=oidc_objects,
        id="foreign",
    ),
    Case(
        "api:client-secret-revoke",
        _write(200),
        method="POST",
        kwargs=object_pk("own", "secret"),
        setup=oidc_objects,
    ),
    Case(
        "api:client-secret-revoke",
        FOREIGN,
        method="POST",
        kwargs=object_pk("foreign", "secret"),
        setup=oidc_objects,
        id="foreign",
    ),
    Case("api:member-list", WRITE_ONLY_READ, kwargs=tenant_slug),
    Case("api:audit-event-list", WRITE_ONLY_READ, kwargs=tenant_slug),
]
