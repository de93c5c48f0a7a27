"""Permission-matrix cases for the REST API v1 and its schema."""

from tenants.oidc_services import client_get_or_create, client_secret_generate, redirect_url_add
from tests.portal.matrix.spec import Case

ANON = 401
READ = {"anonymous": ANON, "read_only": 200, "read_write": 200, "other_tenant": 404, "support": 200}
WRITE_ONLY_READ = {**READ, "read_only": 403}


def _write(ok):
    return {
        "anonymous": ANON,
        "read_only": 403,
        "read_write": ok,
        "other_tenant": 404,
        "support": ok,
    }


FOREIGN = {
    "anonymous": ANON,
    "read_only": 403,
    "read_write": 404,
    "other_tenant": 404,
    "support": 404,
}
PUBLIC = {role: 200 for role in ("anonymous", "read_only", "read_write", "other_tenant", "support")}


def _slug(w):
    return {"slug": w.tenant.slug}


def _objects(w):
    for tenant, key in ((w.tenant, "own"), (w.other_tenant, "foreign")):
        client = client_get_or_create(tenant=tenant, actor=None)
        w.extra[f"{key}_url"] = redirect_url_add(
            tenant=tenant, actor=None, url=f"https://{tenant.slug}.example.com/cb"
        )
        w.extra[f"{key}_secret"], _ = client_secret_generate(
            tenant=tenant, actor=None, name="matrix", client=client
        )


def _pk(which, kind):
    return lambda w: {"slug": w.tenant.slug, "pk": w.extra[f"{which}_{kind}"].pk}


def _read_foreign():
    return {**READ, "read_only": 404, "read_write": 404, "support": 404}


CASES = [
    Case("api:schema", PUBLIC),
    Case("api:docs", PUBLIC),
    Case(
        "api:tenant-list",
        {
            "anonymous": ANON,
            "read_only": 200,
            "read_write": 200,
            "other_tenant": 200,
            "support": 200,
        },
    ),
    Case("api:tenant-detail", READ, kwargs=_slug),
    Case("api:oidc-settings", READ, kwargs=_slug),
    Case(
        "api:oidc-settings",
        _write(200),
        method="PATCH",
        kwargs=_slug,
        data=lambda w: {"enabled": True, "inputs": {"nickname": "required"}},
        json=True,
    ),
    Case("api:redirect-url-list", READ, kwargs=_slug, setup=_objects),
    Case(
        "api:redirect-url-list",
        _write(201),
        method="POST",
        kwargs=_slug,
        data=lambda w: {"url": "https://rp.example.com/cb"},
        json=True,
    ),
    Case("api:redirect-url-detail", READ, kwargs=_pk("own", "url"), setup=_objects),
    Case(
        "api:redirect-url-detail",
        _read_foreign(),
        kwargs=_pk("foreign", "url"),
        setup=_objects,
        id="foreign",
    ),
    Case(
        "api:redirect-url-detail",
        _write(204),
        method="DELETE",
        kwargs=_pk("own", "url"),
        setup=_objects,
    ),
    Case(
        "api:redirect-url-detail",
        FOREIGN,
        method="DELETE",
        kwargs=_pk("foreign", "url"),
        setup=_objects,
        id="foreign",
    ),
    Case("api:client-secret-list", WRITE_ONLY_READ, kwargs=_slug, setup=_objects),
    Case(
        "api:client-secret-list",
        _write(201),
        method="POST",
        kwargs=_slug,
        data=lambda w: {"name": "matrix"},
        json=True,
    ),
    Case("api:client-secret-detail", WRITE_ONLY_READ, kwargs=_pk("own", "secret"), setup=_objects),
    Case(
        "api:client-secret-detail",
        FOREIGN,
        kwargs=_pk("foreign", "secret"),
        setup=_objects,
        id="foreign",
    ),
    Case(
        "api:client-secret-revoke",
        _write(200),
        method="POST",
        kwargs=_pk("own", "secret"),
        setup=_objects,
    ),
    Case(
        "api:client-secret-revoke",
        FOREIGN,
        method="POST",
        kwargs=_pk("foreign", "secret"),
        setup=_objects,
        id="foreign",
    ),
    Case("api:member-list", READ, kwargs=_slug),
    Case("api:audit-event-list", READ, kwargs=_slug),
]
