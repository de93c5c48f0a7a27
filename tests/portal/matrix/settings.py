"""Permission-matrix cases for the tenant Settings page and the API tokens page."""

from portal.api.tokens import api_token_create
from tenants.oidc.services import client_get_or_create, client_secret_generate, redirect_url_add
from tests.portal.matrix.spec import Case, expect, tenant_slug

READ = expect(302, 200, 200, 404, 200)
WRITE = expect(302, 403, 302, 404, 302)
FOREIGN = expect(302, 403, 404, 404, 404)
SIGNED_IN = {"anonymous": 302, "read_only": 200, "read_write": 200, "other_tenant": 200}


def oidc_objects(w):
    """A client with a Redirect URL and a secret in both tenants (extra["own_url"] etc.)."""
    for tenant, key in ((w.tenant, "own"), (w.other_tenant, "foreign")):
        client = client_get_or_create(tenant=tenant, actor=None)
        w.extra[f"{key}_url"] = redirect_url_add(
            tenant=tenant, actor=None, url=f"https://{tenant.slug}.example.com/cb"
        )
        w.extra[f"{key}_secret"], _ = client_secret_generate(
            tenant=tenant, actor=None, name="matrix", client=client
        )


def object_pk(which, kind):
    """URL kwargs: the tenant under test and extra[f"{which}_{kind}"] from oidc_objects.

    With which="foreign", the other tenant's object addressed through this tenant's URL.
    """
    return lambda w: {"slug": w.tenant.slug, "pk": w.extra[f"{which}_{kind}"].pk}


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
    Case("portal:tenant-settings", READ, kwargs=tenant_slug),
    Case(
        "portal:tenant-settings-branding",
        WRITE,
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {
            "display_name": "Acme",
            "primary_color": "#0a7d5a",
            "default_language": "en",
        },
    ),
    Case(
        "portal:tenant-settings-embedding",
        WRITE,
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"iframe_origins": "https://shop.example"},
    ),
    Case(
        "portal:tenant-settings-update",
        WRITE,
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: SETTINGS_DATA,
    ),
    Case(
        "portal:tenant-settings-redirect-url-add",
        WRITE,
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"url": "https://rp.example.com/cb"},
    ),
    *(
        Case(
            f"portal:tenant-settings-{action}",
            expected,
            method="POST",
            kwargs=object_pk(which, kind),
            setup=oidc_objects,
            id=case_id,
        )
        for action, kind in (("redirect-url-remove", "url"), ("secret-revoke", "secret"))
        for which, expected, case_id in (("own", WRITE, ""), ("foreign", FOREIGN, "foreign"))
    ),
    Case(
        "portal:tenant-settings-secret-generate",
        {**WRITE, "read_write": 200, "support": 200},
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"name": "matrix"},
    ),
    Case("portal:tenant-settings-b2c-xml", READ, kwargs=tenant_slug, setup=oidc_objects),
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
        expect(302, 404, 302, 404, 404),
        method="POST",
        kwargs=lambda w: {"pk": w.extra["token"].pk},
        setup=_own_token,
    ),
]
