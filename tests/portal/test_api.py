"""REST API v1: token auth, the Settings steps, bad input, permissions, cross-tenant."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from portal.api.tokens import api_token_create, api_token_revoke
from portal.models import ApiToken
from tenants.audit import AuditEvent
from tenants.oidc.client_secrets import client_secret_match
from tenants.oidc.selectors import client_get_primary
from tenants.oidc.services import client_secret_generate, redirect_url_add
from tests import factories

pytestmark = pytest.mark.django_db


class Api:
    """A Django test client speaking JSON with a Bearer token."""

    def __init__(self, client, token=None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _call(self, method, name, data=None, raw=None, **kwargs):
        url = reverse(f"api:{name}", kwargs=kwargs)
        fn = getattr(self.client, method)
        if raw is not None:
            return fn(url, data=raw, content_type="application/json", **self.headers)
        if data is None:
            return fn(url, **self.headers)
        return fn(url, data=data, content_type="application/json", **self.headers)

    def get(self, name, **kw):
        return self._call("get", name, **kw)

    def post(self, name, data=None, **kw):
        return self._call("post", name, data=data if data is not None else {}, **kw)

    def patch(self, name, data=None, **kw):
        return self._call("patch", name, data=data, **kw)

    def delete(self, name, **kw):
        return self._call("delete", name, **kw)


def _token(user):
    return api_token_create(user=user, name="test")[1]


@pytest.fixture
def api(client, admin):
    return Api(client, _token(admin))


def test_settings_steps_over_the_api(api, tenant):
    slug = tenant.slug
    # 1. Enable OIDC and choose Inputs.
    r = api.patch(
        "oidc-settings",
        {"enabled": True, "inputs": {"nickname": "required"}, "response_mode": "form_post"},
        slug=slug,
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["enabled"] is True
    assert body["inputs"] == {
        "given_name": "optional",
        "family_name": "optional",
        "nickname": "required",
    }
    assert body["response_type"] == "code"
    assert body["token_endpoint_auth_method"] == "client_secret_post"
    assert body["metadata_url"] == f"{tenant.issuer}/.well-known/openid-configuration"
    client_id = body["client_id"]
    assert client_id == client_get_primary(tenant=tenant).client_id
    # 2. Redirect URL.
    url = "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp"
    r = api.post("redirect-url-list", {"url": url}, slug=slug)
    assert r.status_code == 201, r.content
    assert r.json()["url"] == url
    assert [e["url"] for e in api.get("redirect-url-list", slug=slug).json()] == [url]
    # 3. Generate a secret: the plaintext comes back once.
    expires = (timezone.now() + timedelta(days=90)).isoformat()
    r = api.post("client-secret-list", {"name": "B2C", "expires_at": expires}, slug=slug)
    assert r.status_code == 201, r.content
    assert r["Cache-Control"] == "no-store"
    created = r.json()
    plaintext = created["secret"]
    assert created["status"] == "active" and created["hint"] == plaintext[-4:]
    oidc_client = client_get_primary(tenant=tenant)
    assert client_secret_match(client=oidc_client, secret=plaintext).pk == created["id"]
    listed = api.get("client-secret-list", slug=slug)
    assert plaintext not in listed.content.decode()
    assert "secret" not in listed.json()[0]
    detail = api.get("client-secret-detail", slug=slug, pk=created["id"])
    assert detail.status_code == 200 and "secret" not in detail.json()
    # 4. Client ID and Metadata URL.
    r = api.get("oidc-settings", slug=slug)
    assert r.json()["client_id"] == client_id
    # Revoke.
    r = api.post("client-secret-revoke", slug=slug, pk=created["id"])
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert client_secret_match(client=oidc_client, secret=plaintext) is None
    actions = set(AuditEvent.objects.for_tenant(tenant).values_list("action", flat=True))
    assert {
        "oidc.enabled",
        "oidc.redirect_url_added",
        "oidc.client_secret_generated",
        "oidc.client_secret_revoked",
    } <= actions


def test_response_type_id_token_over_the_api(api, tenant):
    r = api.patch("oidc-settings", {"response_type": "id_token"}, slug=tenant.slug)
    assert r.status_code == 200
    assert r.json()["token_endpoint_auth_method"] == "none"


def test_redirect_url_delete(api, tenant, admin):
    entry = redirect_url_add(tenant=tenant, actor=admin, url="https://rp.example.com/cb")
    assert api.get("redirect-url-detail", slug=tenant.slug, pk=entry.pk).status_code == 200
    assert api.delete("redirect-url-detail", slug=tenant.slug, pk=entry.pk).status_code == 204
    assert api.get("redirect-url-detail", slug=tenant.slug, pk=entry.pk).status_code == 404


@pytest.mark.parametrize(
    ("name", "method", "body", "field"),
    [
        ("oidc-settings", "patch", {"enabled": "yes"}, "enabled"),
        ("oidc-settings", "patch", {"enabled": 1}, "enabled"),
        ("oidc-settings", "patch", {"surprise": True}, "surprise"),
        ("oidc-settings", "patch", {"client_id": "mine"}, "client_id"),
        ("oidc-settings", "patch", {"inputs": {"email": "off"}}, "inputs"),
        ("oidc-settings", "patch", {"inputs": {"nickname": "sometimes"}}, "inputs"),
        ("oidc-settings", "patch", {"inputs": ["nickname"]}, "inputs"),
        ("oidc-settings", "patch", {"response_type": "token"}, "response_type"),
        ("oidc-settings", "patch", {"response_mode": 3}, "response_mode"),
        ("redirect-url-list", "post", {"url": "http://rp.example.com/cb"}, "url"),
        ("redirect-url-list", "post", {"url": "https://rp.example.com/#f"}, "url"),
        ("redirect-url-list", "post", {"url": "https://*.example.com/"}, "url"),
        ("redirect-url-list", "post", {"url": "/relative"}, "url"),
        ("redirect-url-list", "post", {"url": 42}, "url"),
        ("redirect-url-list", "post", {"url": "https://a.com/" + "a" * 2000}, "url"),
        ("redirect-url-list", "post", {"url": "https://a.com/\x00"}, "url"),
        ("redirect-url-list", "post", {"url": "https://a.com/", "kind": "logout"}, "kind"),
        ("redirect-url-list", "post", {}, "url"),
        ("client-secret-list", "post", {"name": ""}, "name"),
        ("client-secret-list", "post", {"name": 5}, "name"),
        ("client-secret-list", "post", {"name": "x" * 101}, "name"),
        ("client-secret-list", "post", {"name": "x", "expires_at": "yesterday"}, "expires_at"),
        (
            "client-secret-list",
            "post",
            {"name": "x", "expires_at": "2001-01-01T00:00:00Z"},
            "expires_at",
        ),
        ("client-secret-list", "post", {"name": "x", "secret": "chosen"}, "secret"),
    ],
)
def test_bad_input_gets_400_with_field_errors(api, tenant, name, method, body, field):
    response = getattr(api, method)(name, body, slug=tenant.slug)
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("raw", ["{", "[]", "null", '"text"', "1"])
def test_malformed_json_is_400(api, tenant, raw):
    response = api.patch("oidc-settings", raw=raw, slug=tenant.slug)
    assert response.status_code == 400


def test_token_auth_failures(client, tenant, admin):
    url = reverse("api:tenant-list")
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer a b").status_code == 401
    token, plaintext = api_token_create(user=admin, name="t")
    ok = client.get(url, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert ok.status_code == 200
    assert [t["slug"] for t in ok.json()["results"]] == [tenant.slug]
    assert ok.json()["results"][0]["role"] == "read_write"
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    api_token_revoke(user=admin, token=token)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401
    expired, expired_plain = api_token_create(user=admin, name="e", expires_in_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {expired_plain}").status_code == 401
    _, inactive_plain = api_token_create(user=admin, name="i")
    admin.is_active = False
    admin.save()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {inactive_plain}").status_code == 401


def test_token_stored_as_digest_only(admin):
    token, plaintext = api_token_create(user=admin, name="t")
    row = ApiToken.objects.get(pk=token.pk)
    assert plaintext not in (row.digest, row.name, row.hint)
    assert plaintext.startswith("lk_")


def test_session_auth_works_and_needs_csrf_for_writes(tenant, admin):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin)
    r = csrf_client.get(reverse("api:oidc-settings", kwargs={"slug": tenant.slug}))
    assert r.status_code == 200
    r = csrf_client.patch(
        reverse("api:oidc-settings", kwargs={"slug": tenant.slug}),
        data={"enabled": True},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_read_only_member_reads_but_cannot_write_or_see_secrets(client, tenant, admin):
    reader = factories.membership(tenant=tenant, role="read_only").user
    api = Api(client, _token(reader))
    secret, _ = client_secret_generate(tenant=tenant, actor=admin, name="s")
    slug = tenant.slug
    assert api.get("tenant-detail", slug=slug).json()["role"] == "read_only"
    assert api.get("oidc-settings", slug=slug).status_code == 200
    assert api.get("redirect-url-list", slug=slug).status_code == 200
    # Members and the audit log are for read-write admins, in the API as in the UI.
    assert api.get("member-list", slug=slug).status_code == 403
    assert api.get("audit-event-list", slug=slug).status_code == 403
    assert api.patch("oidc-settings", {"enabled": True}, slug=slug).status_code == 403
    assert api.post("redirect-url-list", {"url": "https://a.com/"}, slug=slug).status_code == 403
    assert api.get("client-secret-list", slug=slug).status_code == 403
    assert api.post("client-secret-list", {"name": "x"}, slug=slug).status_code == 403
    assert api.get("client-secret-detail", slug=slug, pk=secret.pk).status_code == 403
    assert api.post("client-secret-revoke", slug=slug, pk=secret.pk).status_code == 403


def test_members_and_audit_events(api, tenant, admin):
    factories.membership(tenant=tenant, role="read_only")
    members = api.get("member-list", slug=tenant.slug).json()
    assert members["count"] == 2
    assert admin.email in {m["email"] for m in members["results"]}
    api.patch("oidc-settings", {"enabled": True}, slug=tenant.slug)
    events = api.get("audit-event-list", slug=tenant.slug).json()["results"]
    assert events[0]["action"] == "oidc.enabled"
    assert events[0]["actor_email"] == admin.email


def test_other_tenant_member_gets_404_everywhere(client, tenant, admin):
    entry = redirect_url_add(tenant=tenant, actor=admin, url="https://rp.example.com/cb")
    secret, _ = client_secret_generate(tenant=tenant, actor=admin, name="s")
    other = factories.tenant()
    outsider = factories.membership(tenant=other, role="read_write").user
    api = Api(client, _token(outsider))
    slug = tenant.slug
    calls = [
        ("get", "tenant-detail", {}),
        ("get", "oidc-settings", {}),
        ("patch", "oidc-settings", {"data": {"enabled": True}}),
        ("get", "redirect-url-list", {}),
        ("post", "redirect-url-list", {"data": {"url": "https://x.example.com/"}}),
        ("get", "redirect-url-detail", {"pk": entry.pk}),
        ("delete", "redirect-url-detail", {"pk": entry.pk}),
        ("get", "client-secret-list", {}),
        ("post", "client-secret-list", {"data": {"name": "x"}}),
        ("get", "client-secret-detail", {"pk": secret.pk}),
        ("post", "client-secret-revoke", {"pk": secret.pk}),
        ("get", "member-list", {}),
        ("get", "audit-event-list", {}),
    ]
    for method, name, kw in calls:
        response = getattr(api, method)(name, slug=slug, **kw)
        assert response.status_code == 404, (method, name, response.status_code)
    # And their own tenant's objects are not reachable through it by id either.
    own = Api(client, _token(admin))
    other_entry = redirect_url_add(tenant=other, actor=outsider, url="https://o.example.com/")
    assert own.get("redirect-url-detail", slug=slug, pk=other_entry.pk).status_code == 404
    assert [t["slug"] for t in api.get("tenant-list").json()["results"]] == [other.slug]


def test_support_staff_see_every_tenant(client, tenant, support_user):
    api = Api(client, _token(support_user))
    body = api.get("tenant-detail", slug=tenant.slug).json()
    assert body["role"] == "support"


def test_schema_and_docs(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/tenants/",
        "/api/v1/tenants/{slug}/",
        "/api/v1/tenants/{slug}/oidc/",
        "/api/v1/tenants/{slug}/oidc/redirect-urls/",
        "/api/v1/tenants/{slug}/oidc/redirect-urls/{id}/",
        "/api/v1/tenants/{slug}/oidc/client-secrets/",
        "/api/v1/tenants/{slug}/oidc/client-secrets/{id}/",
        "/api/v1/tenants/{slug}/oidc/client-secrets/{id}/revoke/",
        "/api/v1/tenants/{slug}/members/",
        "/api/v1/tenants/{slug}/audit-events/",
    ):
        assert path in paths, path
    assert "apiToken" in schema.json()["components"]["securitySchemes"]
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    # The start-up script is a file of its own (strict CSP: no inline script); it names the schema.
    assert b'src="/api/docs/?script="' in docs.content
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert reverse("api:schema").encode() in script.content
    # Self-hosted: the UI comes from our static files, never a CDN.
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def test_schema_validates_against_openapi_spec(client):

    validate_schema(SchemaGenerator().get_schema(request=None, public=True))


def test_unknown_api_paths_get_json_404(api, tenant):
    for path in (
        f"/api/v1/tenants/{tenant.slug}/oidc/client-secrets/abc/",
        "/api/v1/nothing-here/",
        "/api/v2/",
    ):
        response = api.client.post(path, **api.headers)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


def test_signing_key_endpoints_accept_api_tokens(api, tenant):
    keys = api.get("tenant-keys", slug=tenant.slug)
    assert keys.status_code == 200, keys.content
    listed = keys.json()["keys"]
    assert "active" in {key["state"] for key in listed}
    assert all(set(key["public_jwk"]) & {"d", "p", "q"} == set() for key in listed)
    assert api.post("tenant-key-rotate", {}, slug=tenant.slug).status_code == 200
