"""Permission-matrix cases for the tenant Settings page and the API tokens page."""

from portal.api_tokens import api_token_create
from tenants.oidc_services import client_get_or_create, client_secret_generate, redirect_url_add
from tests.portal.matrix.spec import Case

READ = {"anonymous": 302, "read_only": 200, "read_write": 200, "other_tenant": 404, "support": 200}
WRITE = {"anonymous": 302, "read_only": 403, "read_write": 302, "other_tenant": 404, "support": 302}
FOREIGN = {
    "anonymous": 302,
    "read_only": 403,
    "read_write": 404,
    "other_tenant": 404,
    "support": 404,
}
SIGNED_IN = {"anonymous": 302, "read_only": 200, "read_write": 200, "other_tenant": 200}


def _slug(w):
    return {"slug": w.tenant.slug}


def _objects(w):
    """A client with a Redirect URL and a secret in both tenants."""
    for tenant, key in ((w.tenant, "own"), (w.other_tenant, "foreign")):
        client = client_get_or_create(tenant=tenant, actor=None)
        w.extra[f"{key}_url"] = redirect_url_add(
            tenant=tenant, actor=None, url=f"https://{tenant.slug}.example.com/cb"
        )
        w.extra[f"{key}_secret"], _ = client_secret_generate(
            tenant=tenant, actor=None, name="matrix", client=client
        )


def _own(kind):
    return lambda w: {"slug": w.tenant.slug, "pk": w.extra[f"own_{kind}"].pk}


def _foreign(kind):
    # The other tenant's object addressed through this tenant's URL: never found.
    return lambda w: {"slug": w.tenant.slug, "pk": w.extra[f"foreign_{kind}"].pk}


def _own_token(w):
    user = w.users["read_write"]
    w.extra["token"], _ = api_token_create(user=user, name="matrix")


SETTINGS_DATA = {
    "enabled": "on",
    "input_given_name": "optional",
    "input_family_name": "required",
    "input_nickname": "off",
    "response_type": "code",
    "response_mode": "form_post",
}

CASES = [
    Case("portal:tenant-settings", READ, kwargs=_slug),
    Case(
        "portal:tenant-settings-update",
        WRITE,
        method="POST",
        kwargs=_slug,
        data=lambda w: SETTINGS_DATA,
    ),
    Case(
        "portal:tenant-settings-redirect-url-add",
        WRITE,
        method="POST",
        kwargs=_slug,
        data=lambda w: {"url": "https://rp.example.com/cb"},
    ),
    Case(
        "portal:tenant-settings-redirect-url-remove",
        WRITE,
        method="POST",
        kwargs=_own("url"),
        setup=_objects,
    ),
    Case(
        "portal:tenant-settings-redirect-url-remove",
        FOREIGN,
        method="POST",
        kwargs=_foreign("url"),
        setup=_objects,
        id="foreign",
    ),
    Case(
        "portal:tenant-settings-secret-generate",
        {**WRITE, "read_write": 200, "support": 200},
        method="POST",
        kwargs=_slug,
        data=lambda w: {"name": "matrix"},
    ),
    Case(
        "portal:tenant-settings-secret-revoke",
        WRITE,
        method="POST",
        kwargs=_own("secret"),
        setup=_objects,
    ),
    Case(
        "portal:tenant-settings-secret-revoke",
        FOREIGN,
        method="POST",
        kwargs=_foreign("secret"),
        setup=_objects,
        id="foreign",
    ),
    Case("portal:tenant-settings-b2c-xml", READ, kwargs=_slug, setup=_objects),
    Case("portal:api-tokens", {**SIGNED_IN, "support": 200}),
    Case(
        "portal:api-tokens",
        {**SIGNED_IN, "support": 200},
        method="POST",
        data=lambda w: {"name": "matrix"},
        id="create",
    ),
    Case(
        "portal:api-token-revoke",
        {
            "anonymous": 302,
            "read_only": 404,
            "read_write": 302,
            "other_tenant": 404,
            "support": 404,
        },
        method="POST",
        kwargs=lambda w: {"pk": w.extra["token"].pk},
        setup=_own_token,
    ),
]
